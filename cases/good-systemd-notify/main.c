/* good-systemd-notify: a new-style daemon for a systemd Type=notify service.
 * systemd does the detaching, so the program stays in the foreground, says
 * READY=1 once it serves, re-reads its configuration on SIGHUP and exits
 * cleanly on SIGTERM. The other systemd-profile C cases are this file with one
 * thing done wrong. */
#include <signal.h>
#include <unistd.h>

#include "daemon_steps.h"

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  ds_catch(SIGTERM);              /* systemctl stop */
  ds_catch(SIGHUP);               /* systemctl reload */

  /* ... open the listening sockets, read the configuration ... */
  ds_sd_notify("READY=1");        /* Type=notify: now "systemctl start" returns */

  while (ds_next_signal() != SIGTERM) {
    /* SIGHUP: re-read the configuration */
  }
  ds_sd_notify("STOPPING=1");
  return 0;
}
