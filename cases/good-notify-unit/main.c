/* good-notify-unit: a Type=notify service done right. It stays in the
 * foreground, says READY=1 once it serves, reloads on SIGHUP and exits 0 on
 * SIGTERM; its unit, good-notify-unit.service.in, says so. The other C
 * service cases are this program (or good-forking-unit) with one thing wrong. */
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
