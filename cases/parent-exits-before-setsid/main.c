/* parent-exits-before-setsid: the original process exits right after fork(),
 * before the child has called setsid(): the startup SIGHUP race. Otherwise
 * this is ../good-c-daemon/main.c: diff the two to see the mistake. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "daemon_steps.h"

int main(int argc, char **argv) {
  const char *pidfile = ds_pidfile_option(argc, argv);

  ds_sanitize_environment(argv);   /* daemon(7) 4, tutorial 1 */
  ds_close_inherited_fds();        /* daemon(7) 1, tutorial 7 */
  ds_reset_signal_dispositions();  /* daemon(7) 2 */
  ds_reset_signal_mask();          /* daemon(7) 3 */
  /* MISTAKE: the original process exits right after fork(), before the child
   * has called setsid(). When the original leads the terminal's session
   * (ssh -t, script -c, a CI step with a pty), the kernel SIGHUPs the
   * terminal's foreground group, the child included, as the leader exits. */
  pid_t child = fork();            /* daemon(7) 5, tutorial 2 */
  if (child < 0) ds_fail("fork: %m");
  if (child > 0) return 0;
  ds_slow_initialization(100);     /* reading the configuration, before setsid() */
  ds_new_session();                /* daemon(7) 6, tutorial 3 */
  ds_fork_parent_exits();          /* daemon(7) 7-8, tutorial 4 */
  ds_stdio_to_devnull();           /* daemon(7) 9, tutorial 8 */
  umask(0);                        /* daemon(7) 10, tutorial 6 */
  if (chdir("/") != 0)             /* daemon(7) 11, tutorial 5 */
    ds_fail("chdir /: %m");
  ds_prevent_core_dumps();         /* python-daemon prevent_core */

  ds_catch(SIGTERM);               /* orderly shutdown */
  ds_catch(SIGHUP);                /* reload */

  int pidfd = ds_lock_pidfile(pidfile); /* daemon(7) 12, "There can be only one" */
  if (pidfd < 0) ds_fail("already running: %s is locked", pidfile);
  ds_write_pid(pidfd);


  while (ds_next_signal() != SIGTERM) {
    /* SIGHUP: re-read the configuration */
  }
  unlink(pidfile);                 /* the lock goes with the process */
  return 0;
}
