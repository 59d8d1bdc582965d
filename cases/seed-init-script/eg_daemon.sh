#!/bin/bash
# ------------------------------------------------------------------
#  A bash script for better management of python-daemon
# ------------------------------------------------------------------
# The seed tutorial's script as written. Lines marked
# "case:" are the only changes: the tutorial's placeholder names made real
# (scriptname.py is the tutorial's eg_daemon.py, in cases/seed-python-daemon; its
# start function's name), and the daemon's log and working folder moved to
# /tmp (the check's private /tmp) from /var/log and /var/lib.

VERSION=0.1.0
SUBJECT=some-unique-id
USAGE="Usage: command -ihv args"
DAEMON=(/usr/bin/python3 "$(dirname "$0")/../seed-python-daemon/eg_daemon.py" -l /tmp/eg_daemon.log -w /tmp/eg_daemon)  # case

startscriptname(){  # case: the tutorial defines startscript() and calls startscriptname
    # get the current PID of the script you are trying to run
    PID=$(ps aux | grep '[e]g_daemon.py' | awk '{print $2}')  # case: [s]criptname.py

    # if the PID does not exist start the application
    if [ -z "$PID" ]; then
        "${DAEMON[@]}"  # case: ./scriptname.py start
    else
        # else print an error and do not start the process
        echo -n "ERROR: The process is already running."
        echo
    fi
}

stopscriptname(){
    # get the current PID of the script you are trying to run
    PID=$(ps aux | grep '[e]g_daemon.py' | awk '{print $2}')  # case: [s]criptname.py

    # if the PID does not exist there is nothing to stop
    if [ -z "$PID" ]; then
        echo -n "ERROR: scriptname is not running"
    else
        # else kill the script using the UNIX in built kill
        kill $PID
    fi
}

statusscriptname(){
    # get the current PID of the script you are trying to run
    PID=$(ps aux | grep '[e]g_daemon.py' | awk '{print $2}')  # case: [s]criptname.py

    # return if the application is running or not and return the PID
    if [ -z "$PID" ]; then
        echo "scriptname is not running"
    else
        echo "scriptname is running with PID $PID"
    fi
}

runscriptname(){
    # get the current PID of the script you are trying to run
    PID=$(ps aux | grep '[e]g_daemon.py' | awk '{print $2}')  # case: [s]criptname.py

    # if the PID does not exist run the application like normal - do not daemonise
    if [ -z "$PID" ]; then
        "${DAEMON[@]}"  # case: ./scriptname.py run
    else
        # else print an error and do not start the process
        echo -n "ERROR: The process is already running."
        echo
    fi
}

restartscriptname(){
    # run the stop script and then the start script to restart the process (turn it off and on again)
    stopscriptname
    startscriptname
}

case "$1" in
    # sort of like a case statement, depending on the first argument determines which function to run
    start) startscriptname ;;
    stop) stopscriptname ;;
    run) runscriptname ;;
    restart) restartscriptname ;;
    status) statusscriptname ;;
    *) echo "usage: $0 start | stop | run | restart | status" >$2
       exit 1
       ;;
esac
