/* keeps-pty-stdout: sends stdin to /dev/null but keeps stdout and stderr on
 * the terminal "for debugging". Otherwise this is ../good-c-daemon/main.c:
 * diff the two to see the mistake. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon_steps.h"

int main(int argc, char **argv) {
  const char *pidfile = ds_pidfile_option(argc, argv);

  ds_sanitize_environment(argv);   /* daemon(7) 4, tutorial 1 */
  ds_close_inherited_fds();        /* daemon(7) 1, tutorial 7 */
  ds_reset_signal_dispositions();  /* daemon(7) 2 */
  ds_reset_signal_mask();          /* daemon(7) 3 */
  ds_fork_original_waits();        /* daemon(7) 5 and 15, tutorial 2 */
  ds_new_session();                /* daemon(7) 6, tutorial 3 */
  ds_fork_parent_exits();          /* daemon(7) 7-8, tutorial 4 */
  /* MISTAKE: only stdin goes to /dev/null; stdout and stderr stay on the
   * terminal "for debugging". The daemon holds the terminal, its output
   * lands on whoever uses that terminal next, and once the terminal hangs
   * up every write fails with EIO. */
  int null = open("/dev/null", O_RDONLY);
  if (null < 0 || dup2(null, STDIN_FILENO) < 0) ds_fail("stdin to /dev/null: %m");
  if (null > 2) close(null);
  printf("keeps-pty-stdout: started\n");
  fflush(stdout);
  umask(0);                        /* daemon(7) 10, tutorial 6 */
  if (chdir("/") != 0)             /* daemon(7) 11, tutorial 5 */
    ds_fail("chdir /: %m");
  ds_prevent_core_dumps();         /* python-daemon prevent_core */

  ds_catch(SIGTERM);               /* orderly shutdown */
  ds_catch(SIGHUP);                /* reload */

  int pidfd = ds_lock_pidfile(pidfile); /* daemon(7) 12, "There can be only one" */
  if (pidfd < 0) ds_fail("already running: %s is locked", pidfile);
  ds_write_pid(pidfd);

  ds_startup_done();               /* daemon(7) 14: the original process exits 0 */

  while (ds_next_signal() != SIGTERM) {
    /* SIGHUP: re-read the configuration */
  }
  unlink(pidfile);                 /* the lock goes with the process */
  return 0;
}
