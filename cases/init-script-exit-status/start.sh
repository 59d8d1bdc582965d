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
# failed start. End with "exit 0" (or write: if [ ... ]; then echo ...; fi).
[ "$VERBOSE" = yes ] && echo "started $exe"
