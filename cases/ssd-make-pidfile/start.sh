#!/bin/sh
# start.sh PIDFILE COMMAND [ARG...]: the start action of a Debian init script
# for a program that does not daemonize itself.
pidfile=$1 exe=$2
shift 2

# MISTAKE: --make-pidfile writes the pid but never locks the file, and nothing
# removes it when the program exits. The rest of what a daemon needs
# (umask, signal mask and dispositions, environment) is left as the shell had it.
/sbin/start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$pidfile" \
  --exec "$exe" -- "$@"
