#!/bin/sh
# run.sh COMMAND [ARG...]: the ExecStart= of a systemd service: a wrapper that
# prepares the environment and then runs the real program.
cd / || exit 1
umask 022

# MISTAKE: COMMAND runs as a child of the shell ("&" and wait) instead of
# replacing it (exec "$@"). The SIGTERM of "systemctl stop" reaches the shell,
# which dies of it and leaves COMMAND running (systemd's cgroup would still
# kill it, but no other supervisor does).
"$@" &
child=$!
trap 'kill -HUP "$child"' HUP  # pass "reload" on
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
done
