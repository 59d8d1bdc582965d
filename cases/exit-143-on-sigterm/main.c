/* exit-143-on-sigterm: a service that ends on SIGTERM the way a JVM does:
 * it runs its shutdown hooks, then exits 143 (128 + SIGTERM). */
#include <signal.h>
#include <unistd.h>

#include "daemon_steps.h"

int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  ds_catch(SIGTERM);              /* systemctl stop */
  ds_catch(SIGHUP);               /* systemctl reload */

  while (ds_next_signal() != SIGTERM) {
    /* SIGHUP: re-read the configuration */
  }
  /* ... the shutdown hooks: flush, close ... */
  return 128 + SIGTERM;           /* exit 143: how java ends on SIGTERM */
}
