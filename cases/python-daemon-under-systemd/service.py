#!/usr/bin/python3
"""python-daemon-under-systemd: a service for the tutorial's own unit file
(Type=simple, ExecStart=/usr/bin/python3 .../dummy_service.py) that still
enters daemon.DaemonContext(), as the tutorial's next section suggests, and
forces it to detach (detach_process=True), as programs that "must always run
in the background" do.

Left to itself, DaemonContext would not fork under systemd (its parent is
PID 1). Forced to, it forks under Type=simple, where systemd treats the
process it started as the service: when that process exits, systemd considers
the service finished and stops it (killing the forked daemon with it)."""
import os
import signal
import socket

import daemon


def sd_notify(state):
    """Send STATE to the socket in $NOTIFY_SOCKET, as sd_notify(3) does."""
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return
    if path.startswith("@"):
        path = "\0" + path[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.sendto(state.encode(), path)


def reload(signum, frame):
    """SIGHUP: re-read the configuration."""


def serve():
    sd_notify("READY=1")
    while True:
        signal.pause()


signal.signal(signal.SIGHUP, reload)  # from the start: the forked processes inherit it

# MISTAKE: systemd already does everything DaemonContext does (and more); under
# Type=simple the program must stay in the foreground: just call serve(). And
# detach_process=True forks even where python-daemon would know not to.
with daemon.DaemonContext(detach_process=True,
                          signal_map={signal.SIGTERM: "terminate", signal.SIGHUP: reload}):
    serve()
