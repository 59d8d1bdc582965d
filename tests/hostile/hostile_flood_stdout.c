/* Writes MEGABYTES (default 10) to stdout, the terminal, before it
 * daemonizes, as a chatty program's banner would; write errors (a hung-up
 * terminal) are ignored. Then it daemonizes correctly.
 *   hostile_flood_stdout [MEGABYTES]                                        */
#include "hostile_common.h"

int main(int argc, char** argv) {
  long mb = argc > 1 ? atol(argv[1]) : 10;
  if (mb < 0 || mb > 100) mb = 10;
  hostile_self_destruct();
  static char line[65536];
  for (size_t i = 0; i < sizeof line; i++) line[i] = (i % 64 == 63) ? '\n' : 'a' + (char)(i % 26);
  long total = mb << 20;
  while (total > 0) {
    ssize_t n = write(1, line, total < (long)sizeof line ? (size_t)total : sizeof line);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break; /* EIO once the terminal hung up */
    total -= n;
  }
  int ready;
  hostile_daemonize(&ready);
  hostile_ready(ready);
  hostile_wait_for_ever();
}
