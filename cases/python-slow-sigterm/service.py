#!/usr/bin/python3
"""python-slow-sigterm: a systemd service whose SIGTERM handler only sets a
flag, which the main loop looks at once a minute: "systemctl stop" waits
TimeoutStopSec (90 s by default) and then SIGKILLs it."""
import os
import signal
import socket
import time


def sd_notify(state):
    """Send STATE to the socket in $NOTIFY_SOCKET, as sd_notify(3) does."""
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return
    if path.startswith("@"):
        path = "\0" + path[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.sendto(state.encode(), path)


stopping = False


def stop(signum, frame):
    # MISTAKE: only a flag. Since Python 3.5 (PEP 475) time.sleep() resumes
    # after a signal handler returns, so the loop below sees the flag only when
    # its minute is over. Raise SystemExit here instead (or wait on an Event
    # with a timeout and set it here).
    global stopping
    stopping = True


def reload(signum, frame):
    """SIGHUP: re-read the configuration."""


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGHUP, reload)
sd_notify("READY=1")
while not stopping:
    time.sleep(60)  # the work, once a minute
sd_notify("STOPPING=1")
