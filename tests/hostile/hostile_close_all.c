/* Closes every descriptor it has, the terminal and the inherited ones
 * included, before anything else, then double-forks and calls setsid()
 * without opening anything: the daemon runs with no descriptor at all. */
#include "hostile_common.h"

int main(void) {
  close_range(0, ~0U, 0);
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid > 0) return 0;
  setsid();
  pid = fork();
  if (pid < 0) _exit(1);
  if (pid > 0) _exit(0);
  hostile_self_destruct();
  if (chdir("/") < 0) _exit(1);
  umask(0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP && s != SIGALRM) signal(s, SIG_DFL);
  hostile_wait_for_ever();
}
