/* N daemons with M open descriptors each (dups of one file), for the cost
 * of observing many large descriptor tables: the launched process forks N
 * double-forked daemons, each raising its descriptor limit (above the hard
 * limit only with the privilege to) and duplicating /dev/null M times, and
 * exits 0 once all are ready.
 *   hostile_many_fds N M                                                    */
#include <sys/resource.h>
#include <sys/wait.h>

#include "hostile_common.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: hostile_many_fds N M\n");
    return 2;
  }
  const int n = atoi(argv[1]), m = atoi(argv[2]);
  for (int i = 0; i < n; ++i) {
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      int ready;
      hostile_daemonize(&ready);
      struct rlimit lim;
      if (getrlimit(RLIMIT_NOFILE, &lim) != 0) _exit(1);
      if (lim.rlim_max < (rlim_t)m + 64) lim.rlim_max = (rlim_t)m + 64; /* needs privilege */
      lim.rlim_cur = lim.rlim_max;
      if (setrlimit(RLIMIT_NOFILE, &lim) != 0) _exit(1);
      for (int k = 0; k < m; ++k)
        if (dup(0) < 0) _exit(1);
      hostile_ready(ready);
      hostile_wait_for_ever();
    }
    int st = 0;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 1;
  }
  return 0;
}
