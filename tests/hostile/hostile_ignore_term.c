/* A process that ignores SIGTERM, SIGINT and SIGHUP (and leaves the rest at
 * their defaults): only SIGKILL ends it.
 *   hostile_ignore_term               a correctly daemonized process
 *   hostile_ignore_term stay          the launched process itself, never exits
 *   hostile_ignore_term catch         the same daemon, but SIGTERM, SIGINT and
 *                                     SIGHUP are caught by a handler that does
 *                                     nothing (the kernel delivers them)
 *   hostile_ignore_term hang-second LOCK
 *                                     the daemon, whose second launch (LOCK
 *                                     exists) hangs and never exits          */
#include "hostile_common.h"

static void do_nothing(int sig) {
  (void)sig;
}

static void ignore_endings(int caught) {
  void (*how)(int) = caught ? do_nothing : SIG_IGN;
  signal(SIGTERM, how);
  signal(SIGINT, how);
  signal(SIGHUP, how);
}

int main(int argc, char** argv) {
  const char* mode = argc >= 2 ? argv[1] : "";
  int stay = strcmp(mode, "stay") == 0;
  const int caught = strcmp(mode, "catch") == 0;
  if (!stay && strcmp(mode, "hang-second") == 0) {
    if (argc != 3) return 2;
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    stay = fd < 0 && errno == EEXIST; /* a first instance made it */
  }
  if (stay) {
    hostile_self_destruct();
    ignore_endings(0);
    hostile_wait_for_ever();
  }
  int ready;
  hostile_daemonize(&ready);
  ignore_endings(caught);
  hostile_ready(ready);
  hostile_wait_for_ever();
}
