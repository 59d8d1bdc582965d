#!/bin/sh
# start.sh PIDFILE COMMAND [ARG...]: the start action of a Debian init script
# for a program that does not daemonize itself (the same as ssd-make-pidfile's)
# that says what it did when $VERBOSE is yes.
pidfile=$1 exe=$2
shift 2

/sbin/start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$pidfile" \
  --exec "$exe" -- "$@"
# MISTAKE: the last command's status is the script's status. With VERBOSE
# unset, the test fails, "&&" skips the echo, and the script exits 1 although
# the daemon started: init, systemd's SysV generator or a deploy script sees a
# failed start. Write "if [ ... ]; then echo ...; fi" (status 0), and keep
# start-stop-daemon's own status when it refuses: a bare "exit 0" at the end
# would report a refused second start as a success.
[ "$VERBOSE" = yes ] && echo "started $exe"
