/* A process that will not hold still: each generation calls setsid(), forks
 * and exits, and its child does the same, GENERATIONS times (default 200,
 * at most 100000) or for at most SECONDS (default 3), whichever comes first;
 * then the last generation forks once more (so that the daemon is not a
 * session leader) and waits. Every generation is a new pid in a new session.
 * stdio is /dev/null from the start.
 *   hostile_setsid_loop [GENERATIONS [SECONDS]]                             */
#include <time.h>

#include "hostile_common.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  long gens = argc > 1 ? atol(argv[1]) : 200;
  double secs = argc > 2 ? atof(argv[2]) : 3;
  if (gens < 1 || gens > 100000) gens = 200;
  if (secs <= 0 || secs > 10) secs = 3;
  hostile_null_stdio();
  close_range(3, ~0U, 0);
  if (chdir("/") < 0) return 1;
  umask(0);
  const double end = now_s() + secs;
  for (long g = 0; g < gens && now_s() < end; g++) {
    pid_t pid = fork();
    if (pid < 0) _exit(1);
    if (pid > 0) _exit(0);
    setsid();
  }
  pid_t pid = fork();
  if (pid < 0) _exit(1);
  if (pid > 0) _exit(0);
  hostile_self_destruct();
  hostile_wait_for_ever();
}
