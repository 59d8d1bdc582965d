/* mainpid-of-dead-child: a Type=notify service that tells systemd its main
 * process is a start-up helper, which has already exited. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_steps.h"

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  ds_catch(SIGTERM);              /* systemctl stop */
  ds_catch(SIGHUP);               /* systemctl reload */

  pid_t helper = fork();          /* ... a start-up helper: prepares, then exits ... */
  if (helper == 0) _exit(0);
  waitpid(helper, NULL, 0);

  /* MISTAKE: MAINPID= names the helper, which is gone */
  char ready[64];
  snprintf(ready, sizeof ready, "READY=1\nMAINPID=%d", (int)helper);
  ds_sd_notify(ready);

  while (ds_next_signal() != SIGTERM) {
    /* SIGHUP: re-read the configuration */
  }
  ds_sd_notify("STOPPING=1");
  return 0;
}
