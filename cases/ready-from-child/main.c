/* ready-from-child: a Type=notify service whose READY=1 comes from a child
 * process (a start-up helper), not from the main process. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_steps.h"

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  ds_catch(SIGTERM);              /* systemctl stop */
  ds_catch(SIGHUP);               /* systemctl reload */

  /* MISTAKE: a helper process says READY=1; NotifyAccess=main ignores it */
  pid_t helper = fork();
  if (helper == 0) {
    /* ... open the listening sockets, read the configuration ... */
    ds_sd_notify("READY=1");
    _exit(0);
  }
  waitpid(helper, NULL, 0);

  while (ds_next_signal() != SIGTERM) {
    /* SIGHUP: re-read the configuration */
  }
  ds_sd_notify("STOPPING=1");
  return 0;
}
