/* reload-without-timestamp: a Type=notify-reload service that answers the
 * reload signal with RELOADING=1 but without MONOTONIC_USEC=. */
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "daemon_steps.h"

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  ds_catch(SIGTERM);              /* systemctl stop */
  ds_catch(SIGHUP);               /* systemctl reload: Type=notify-reload sends SIGHUP */

  /* ... open the listening sockets, read the configuration ... */
  ds_sd_notify("READY=1");

  while (ds_next_signal() != SIGTERM) {
    /* MISTAKE: no MONOTONIC_USEC=, so systemd cannot tell this reload from a stale one */
    ds_sd_notify("RELOADING=1");
    /* ... re-read the configuration ... */
    ds_sd_notify("READY=1");      /* the reload is done */
  }
  ds_sd_notify("STOPPING=1");
  return 0;
}
