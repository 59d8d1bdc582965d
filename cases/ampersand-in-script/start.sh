#!/bin/sh
# start.sh PIDFILE LOG COMMAND [ARG...]: start COMMAND "in the background",
# the quickest way there is.
pidfile=$1 log=$2
shift 2

# MISTAKE: "&" only stops the script from waiting. COMMAND stays in the
# terminal's session and process group, and the shell that started the script
# sends that group SIGHUP when the terminal hangs up (logout, ssh drops).
"$@" >"$log" 2>&1 &
echo $! >"$pidfile"
