/* watchdog-never-fed: a Type=notify service whose unit sets WatchdogSec=,
 * and which never sends WATCHDOG=1. */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon_steps.h"

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  ds_catch(SIGTERM);              /* systemctl stop */
  ds_catch(SIGHUP);               /* systemctl reload */

  /* ... open the listening sockets, read the configuration ... */
  ds_sd_notify("READY=1");

  /* MISTAKE: WATCHDOG_USEC is never read, and WATCHDOG=1 never sent */
  int signo;
  while ((signo = ds_next_signal()) != SIGTERM) {
    /* SIGHUP: re-read the configuration */
  }
  ds_sd_notify("STOPPING=1");
  return 0;
}
