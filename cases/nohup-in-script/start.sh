#!/bin/sh
# start.sh PIDFILE LOG COMMAND [ARG...]: start COMMAND in the background so that
# it survives logout, the way most answers online do it.
pidfile=$1 log=$2
shift 2

# MISTAKE: nohup only sets SIGHUP to SIG_IGN. COMMAND still lives in the
# terminal's session with the terminal as its controlling terminal, in the
# shell's directory, with its umask, descriptors, signals and environment.
nohup "$@" >"$log" 2>&1 &
echo $! >"$pidfile"
