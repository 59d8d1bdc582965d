#!/usr/bin/python3
"""python-dies-on-sighup: a systemd service with a SIGTERM handler but none for
SIGHUP, so "systemctl reload" (ExecReload=kill -HUP $MAINPID) or logrotate's
postrotate "kill -HUP" kills it."""
import os
import signal
import socket
import sys


def sd_notify(state):
    """Send STATE to the socket in $NOTIFY_SOCKET, as sd_notify(3) does."""
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return
    if path.startswith("@"):
        path = "\0" + path[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.sendto(state.encode(), path)


def stop(signum, frame):
    sd_notify("STOPPING=1")
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
# MISTAKE: no handler for SIGHUP, whose default action ends the process.
# signal.signal(signal.SIGHUP, reload) with a reload(signum, frame) that
# re-reads the configuration is the fix.
sd_notify("READY=1")
while True:
    signal.pause()
