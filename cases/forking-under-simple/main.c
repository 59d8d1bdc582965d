/* forking-under-simple: a classic SysV daemon (the daemon(7) recipe, as
 * good-c-daemon): it forks, and its original process exits 0 once the
 * daemon is ready. Nothing is wrong with the program; its unit says
 * Type=simple (see forking-under-simple.service.in). */
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

  ds_startup_done();               /* daemon(7) 14: the original process exits 0 */

  while (ds_next_signal() != SIGTERM) {
    /* SIGHUP: re-read the configuration */
  }
  unlink(pidfile);                 /* the lock goes with the process */
  return 0;
}
