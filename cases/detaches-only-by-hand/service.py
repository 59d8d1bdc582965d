#!/usr/bin/python3
"""detaches-only-by-hand: a python-daemon service left to DaemonContext's own
judgement (detach_process unset), as the tutorial's program is.

python-daemon forks only when it has to: started from a shell it forks and
the shell gets its prompt back; started by init or systemd (its parent is
PID 1) or by inetd (stdin is a socket), it stays in the foreground. Its unit
was written from a run by hand, so it says Type=forking."""
import os
import signal
import sys

import daemon


def reload(signum, frame):
    """SIGHUP: re-read the configuration."""


def stop(signum, frame):
    """SIGTERM: a clean exit, and the pidfile goes with it."""
    try:
        os.unlink(sys.argv[1])
    except OSError:
        pass
    sys.exit(0)


with daemon.DaemonContext(signal_map={signal.SIGTERM: stop, signal.SIGHUP: reload}):
    with open(sys.argv[1], "w", encoding="ascii") as pidfile:
        pidfile.write(f"{os.getpid()}\n")
    while True:
        signal.pause()
