/* Daemonizes correctly, then the daemon execs into another program
 * (/bin/sleep by default) with a clean environment: the process the checker
 * observes is no longer the one it launched. The self-destruct alarm
 * survives the exec.
 *   hostile_exec [PROGRAM [ARGS...]]                                        */
#include "hostile_common.h"

int main(int argc, char** argv) {
  int ready;
  hostile_daemonize(&ready);
  char* env[] = {"PATH=/usr/bin:/bin", NULL};
  char* def[] = {"sleep", "300", NULL};
  char** args = argc > 1 ? argv + 1 : def;
  const char* prog = argc > 1 ? argv[1] : "/bin/sleep";
  /* The readiness pipe is close-on-exec: the launcher sees EOF at the exec
   * if the byte was not sent; send it first. */
  hostile_ready(ready);
  execve(prog, args, env);
  _exit(127);
}
