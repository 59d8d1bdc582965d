/* Two survivors: a "master" that never detaches (it keeps the terminal, the
 * temp folder as cwd, umask 047, the planted descriptors and the blocked
 * SIGUSR2) and a textbook worker that double-forks and writes and locks the
 * pidfile. Both are daemons for the rules; only the worker is well made.
 *   hostile_two_survivors PIDFILE                                           */
#include "hostile_common.h"

static const char* pidfile;

/* The worker's orderly exit: its pidfile goes with it. */
static void on_term(int sig) {
  (void)sig;
  unlink(pidfile);
  _exit(0);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: hostile_two_survivors PIDFILE\n");
    return 2;
  }
  pid_t master = fork();
  if (master < 0) return 1;
  if (master == 0) {
    hostile_self_destruct();
    hostile_wait_for_ever();
  }
  int ready;
  hostile_daemonize(&ready);
  char text[32];
  int n = snprintf(text, sizeof text, "%ld\n", (long)getpid());
  int fd = hostile_write_file(argv[1], text, (size_t)n);
  struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (fd < 0 || fcntl(fd, F_OFD_SETLK, &l) < 0) _exit(1);
  pidfile = argv[1];
  signal(SIGTERM, on_term);
  hostile_ready(ready);
  hostile_wait_for_ever();
}
