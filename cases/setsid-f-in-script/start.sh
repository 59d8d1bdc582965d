#!/bin/sh
# start.sh LOG COMMAND [ARG...]: start COMMAND detached from the terminal with
# util-linux's setsid -f (fork, setsid, exec).
log=$1
shift

# MISTAKE: setsid -f does two steps of eight: fork and setsid. COMMAND leads
# its new session (no second fork), keeps the shell's directory, umask,
# descriptors, signal mask and dispositions, and has no pidfile at all.
setsid -f "$@" </dev/null >"$log" 2>&1
