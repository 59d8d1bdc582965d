/* plain-worker: a plain program that knows nothing about daemons, the kind
 * one starts with nohup, setsid, start-stop-daemon or daemonctl. It runs in
 * the foreground until SIGTERM (exit 0); SIGHUP means "reload". */
#include <signal.h>

#include "daemon_steps.h"

int main(void) {
  ds_catch(SIGTERM);
  ds_catch(SIGHUP);
  while (ds_next_signal() != SIGTERM) {
    /* SIGHUP: a real program would re-read its configuration here */
  }
  return 0;
}
