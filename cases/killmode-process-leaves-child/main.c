/* killmode-process-leaves-child: a service with a worker process, whose
 * unit says KillMode=process, and which exits on SIGTERM without stopping
 * its worker. */
#include <signal.h>
#include <unistd.h>

#include "daemon_steps.h"

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  pid_t worker = fork();          /* a worker, as many services have */
  if (worker == 0) {
    for (;;) pause();             /* SIGTERM's default action ends it */
  }
  ds_catch(SIGTERM);              /* systemctl stop */
  ds_catch(SIGHUP);               /* systemctl reload */

  while (ds_next_signal() != SIGTERM) {
    /* SIGHUP: re-read the configuration */
  }
  return 0;                       /* the worker is left to whoever stops the service */
}
