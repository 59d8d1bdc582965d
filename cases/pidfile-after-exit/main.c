/* pidfile-after-exit: a Type=forking daemon whose original process exits
 * right after fork(), before the daemon has written its pidfile. */
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon_steps.h"

int main(int argc, char **argv) {
  const char *pidfile = ds_pidfile_option(argc, argv);

  ds_close_inherited_fds();        /* daemon(7) 1, tutorial 7 */
  ds_reset_signal_dispositions();  /* daemon(7) 2 */
  ds_reset_signal_mask();          /* daemon(7) 3 */
  /* MISTAKE: the original process exits at once; the pidfile comes later */
  if (fork() != 0) return 0;
  ds_new_session();                /* daemon(7) 6, tutorial 3 */
  ds_fork_parent_exits();          /* daemon(7) 7-8, tutorial 4 */
  ds_stdio_to_devnull();           /* daemon(7) 9, tutorial 8 */
  umask(0);                        /* daemon(7) 10, tutorial 6 */
  if (chdir("/") != 0)             /* daemon(7) 11, tutorial 5 */
    ds_fail("chdir /: %m");

  ds_catch(SIGTERM);               /* orderly shutdown */
  ds_catch(SIGHUP);                /* reload */
  ds_slow_initialization(300);     /* reading the configuration, warming a cache */

  int pidfd = ds_lock_pidfile(pidfile); /* daemon(7) 12, "There can be only one" */
  if (pidfd < 0) ds_fail("already running: %s is locked", pidfile);
  ds_write_pid(pidfd);

  while (ds_next_signal() != SIGTERM) {
    /* SIGHUP: re-read the configuration */
  }
  unlink(pidfile);                 /* the lock goes with the process */
  return 0;
}
