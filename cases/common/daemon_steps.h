/* daemon_steps.h: the SysV daemon recipe of daemon(7), one small function per
 * step, shared by the cases. Each case's main.c calls them in order and gets
 * exactly one step wrong in plain sight; cases/good-c-daemon calls them all.
 * Every function that fails reports the step, the path and errno, and exits. */
#ifndef DAEMON_STEPS_H
#define DAEMON_STEPS_H

#include <sys/types.h>

/* The value of "--NAME VALUE" in argv, or NULL when it is absent. */
const char *ds_option(int argc, char **argv, const char *name);

/* The value of "--pidfile PATH"; exits 2 with a usage line when it is absent. */
const char *ds_pidfile_option(int argc, char **argv);

/* daemon(7) 4, tutorial 1: keep only PATH, LANG, LC_*, TZ. /proc/PID/environ
 * is the block the process was exec'd with, so a C daemon that wants a clean
 * environment re-executes itself with one (clearenv() would only hide it). */
void ds_sanitize_environment(char **argv);

/* daemon(7) 1, tutorial 7: close every descriptor above 2. */
void ds_close_inherited_fds(void);

/* daemon(7) 2: every signal back to SIG_DFL (a SIG_IGN survives exec). */
void ds_reset_signal_dispositions(void);

/* daemon(7) 3: unblock every signal (the mask survives fork and exec). */
void ds_reset_signal_mask(void);

/* daemon(7) 5 and 15, tutorial 2: fork. The original process waits until the
 * daemon reports (ds_startup_done) or exits, and then exits itself: 0 when
 * the daemon is ready, the daemon's exit status (and its message) when it
 * gave up during startup, 1 when it died. Returns in the child. */
void ds_fork_original_waits(void);

/* daemon(7) 6, tutorial 3: a new session, without a controlling terminal. */
void ds_new_session(void);

/* daemon(7) 7-8, tutorial 4: fork again and let the session leader exit, so
 * the daemon can never acquire a controlling terminal. Returns in the child. */
void ds_fork_parent_exits(void);

/* daemon(7) 9, tutorial 8: stdin, stdout and stderr on /dev/null. */
void ds_stdio_to_devnull(void);

/* python-daemon's prevent_core: RLIMIT_CORE 0 (a core holds secrets). */
void ds_prevent_core_dumps(void);

/* daemon(7) 12, "There can be only one": open (never through a symlink) and
 * write-lock the pidfile with fcntl(F_SETLK). Returns the descriptor, or -1
 * with errno EAGAIN/EACCES when another process holds the lock. */
int ds_lock_pidfile(const char *path);

/* Replace the pidfile's content with this process's pid and a newline. */
void ds_write_pid(int fd);

/* daemon(7) 14: tell the original process that startup is complete. */
void ds_startup_done(void);

/* Say something to whoever started us: the message goes to the original
 * process's stderr while it still waits for our report, to our stderr after. */
__attribute__((format(printf, 1, 2))) void ds_tell(const char *fmt, ...);

/* Give up: the message goes to the original process's stderr while it still
 * waits (to our stderr otherwise), and the process exits 1. */
__attribute__((noreturn, format(printf, 1, 2))) void ds_fail(const char *fmt, ...);

/* Catch SIG so that ds_next_signal() reports it instead of its default action. */
void ds_catch(int sig);

/* Sleep until a caught signal arrives and return it (event-driven: no polling). */
int ds_next_signal(void);

/* The same, waiting at most MS milliseconds (-1: for ever): returns 0 when
 * none arrived, for a loop that also has something to do on time (a watchdog). */
int ds_next_signal_within(int ms);

/* The classic startup step that takes a while (reading a configuration,
 * warming a cache): here a plain sleep of MS milliseconds. */
void ds_slow_initialization(int ms);

/* New-style (systemd) services: send STATE (e.g. "READY=1") to the socket
 * named by $NOTIFY_SOCKET, as sd_notify(3) does. Returns 0 when sent, -1 when
 * NOTIFY_SOCKET is unset or the send failed. */
int ds_sd_notify(const char *state);

#endif
