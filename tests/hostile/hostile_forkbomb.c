/* A bounded fork bomb: the launched process starts a bomb process and exits
 * 0 once the bomb has reached its size. Every bomb process forks in a loop,
 * and so does every child, until the tree holds LIMIT processes (default
 * 200, never more) or a fork fails; then each sits in pause(). The count is
 * shared by the whole tree (an anonymous shared mapping), so the bound holds
 * however the forks interleave. Each bomb process leads a session of its own
 * (setsid), ignores SIGHUP, keeps the terminal on its stdio, and dies of
 * SIGTERM or of its self-destruct timer.
 *   hostile_forkbomb [LIMIT]                                                */
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

#include "hostile_common.h"

#define HARD_LIMIT 200

struct shared {
  atomic_int started;
  atomic_int failed;
};

static void bomb(struct shared* s, int limit) {
  setsid();
  signal(SIGHUP, SIG_IGN);
  hostile_self_destruct();
  for (;;) {
    if (atomic_fetch_add(&s->started, 1) >= limit) {
      atomic_fetch_sub(&s->started, 1);
      break;
    }
    pid_t pid = fork();
    if (pid < 0) {
      atomic_fetch_sub(&s->started, 1);
      atomic_store(&s->failed, 1);
      break;
    }
    if (pid == 0) {
      setsid();
      hostile_self_destruct();
    }
  }
  hostile_wait_for_ever();
}

int main(int argc, char** argv) {
  int limit = argc > 1 ? atoi(argv[1]) : HARD_LIMIT;
  if (limit < 1 || limit > HARD_LIMIT) limit = HARD_LIMIT;
  struct shared* s =
      mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED) return 1;
  atomic_store(&s->started, 1); /* the first bomb process */
  atomic_store(&s->failed, 0);
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) bomb(s, limit);
  /* Exit once the bomb is complete (or stopped growing), at most 5 s. */
  for (int i = 0; i < 5000; i++) {
    if (atomic_load(&s->started) >= limit || atomic_load(&s->failed)) break;
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  return 0;
}
