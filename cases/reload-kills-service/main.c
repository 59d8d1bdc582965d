/* reload-kills-service: a good Type=notify service (as good-notify-unit)
 * whose unit's ExecReload= forgets -HUP */
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
