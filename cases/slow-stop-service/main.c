/* slow-stop-service: a service whose shutdown takes longer than its unit's
 * TimeoutStopSec=. */
#include <signal.h>
#include <unistd.h>

#include "daemon_steps.h"

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  ds_catch(SIGTERM);              /* systemctl stop */
  ds_catch(SIGHUP);               /* systemctl reload */
  ds_sd_notify("READY=1");

  while (ds_next_signal() != SIGTERM) {
    /* SIGHUP: re-read the configuration */
  }
  ds_sd_notify("STOPPING=1");
  ds_slow_initialization(2000);   /* flushing a large cache to disk: 2 s */
  return 0;
}
