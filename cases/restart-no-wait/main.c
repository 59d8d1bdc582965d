/* restart-no-wait's program: a plain foreground program that, like a server
 * finishing the requests in hand, takes half a second to exit after SIGTERM.
 * SIGHUP means "reload". The mistake is in init-script, not here. */
#include <signal.h>
#include <time.h>

#include "daemon_steps.h"

int main(void) {
  ds_catch(SIGTERM);
  ds_catch(SIGHUP);
  while (ds_next_signal() != SIGTERM) {
    /* SIGHUP: a real program would re-read its configuration here */
  }
  const struct timespec finishing = {.tv_sec = 0, .tv_nsec = 500 * 1000 * 1000};
  nanosleep(&finishing, NULL); /* the work in hand */
  return 0;
}
