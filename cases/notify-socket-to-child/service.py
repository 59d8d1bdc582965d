#!/usr/bin/python3
# notify-socket-to-child: a Type=notify service in Python that speaks
# sd_notify by hand (no python3-systemd needed) and runs a helper process.
import os
import signal
import socket
import subprocess

# MISTAKE: NOTIFY_SOCKET stays in os.environ, so every child inherits it
NOTIFY_SOCKET = os.environ.get("NOTIFY_SOCKET")


def sd_notify(state):
    """sd_notify(3) by hand: one datagram to the socket NOTIFY_SOCKET names."""
    address = NOTIFY_SOCKET
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]  # Linux's abstract namespace
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
        s.sendto(state.encode(), address)


def main():
    # A helper, as a real service runs a worker, a converter or a shell hook;
    # its first answer says it is running.
    helper = subprocess.Popen(["/usr/bin/cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    helper.stdin.write(b"hello\n")
    helper.stdin.flush()
    helper.stdout.readline()
    # SIGTERM stops, SIGHUP reloads: waited for with sigwait(), never lost.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGHUP})
    sd_notify("READY=1")
    while signal.sigwait({signal.SIGTERM, signal.SIGHUP}) != signal.SIGTERM:
        pass  # SIGHUP: re-read the configuration
    sd_notify("STOPPING=1")
    helper.stdin.close()  # cat ends at end of input
    helper.wait()


if __name__ == "__main__":
    main()
