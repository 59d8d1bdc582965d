/* A correctly daemonized process that ignores SIGTERM and SIGINT (and
 * leaves the rest at their defaults): only SIGKILL ends it. */
#include "hostile_common.h"

int main(void) {
  int ready;
  hostile_daemonize(&ready);
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  hostile_ready(ready);
  hostile_wait_for_ever();
}
