/* A daemon that signals its parent, as the X server sends SIGUSR1 to its
 * parent when ready, or worse: the launched process signals its parent (the
 * shell it ran under, or the checker when it leads the session), then
 * daemonizes; the daemon signals its parent (the process it was re-parented
 * to) when ready and every 20 ms after.
 * With "daemon-once" the daemon signals its parent once, when ready.
 *   hostile_signal_parent usr1|term|kill|stop [launched|daemon|daemon-once|both] */
#include "hostile_common.h"

static int parse_signal(const char* name) {
  if (strcmp(name, "usr1") == 0) return SIGUSR1;
  if (strcmp(name, "term") == 0) return SIGTERM;
  if (strcmp(name, "kill") == 0) return SIGKILL;
  if (strcmp(name, "stop") == 0) return SIGSTOP;
  return 0;
}

int main(int argc, char** argv) {
  int sig = argc >= 2 ? parse_signal(argv[1]) : 0;
  const char* who = argc >= 3 ? argv[2] : "both";
  if (sig == 0) {
    fprintf(stderr, "usage: hostile_signal_parent usr1|term|kill|stop [launched|daemon|both]\n");
    return 2;
  }
  hostile_self_destruct();
  if (strncmp(who, "daemon", 6) != 0) kill(getppid(), sig);
  int ready;
  hostile_daemonize(&ready);
  hostile_ready(ready);
  if (strcmp(who, "daemon-once") == 0) {
    kill(getppid(), sig);
    hostile_wait_for_ever();
  }
  for (;;) {
    if (strcmp(who, "launched") != 0 && getppid() > 0) kill(getppid(), sig);
    usleep(20000);
  }
}
