/* A process that ignores SIGTERM, SIGINT and SIGHUP (and leaves the rest at
 * their defaults): only SIGKILL ends it.
 *   hostile_ignore_term               a correctly daemonized process
 *   hostile_ignore_term stay          the launched process itself, never exits
 *   hostile_ignore_term hang-second LOCK
 *                                     the daemon, whose second launch (LOCK
 *                                     exists) hangs and never exits          */
#include "hostile_common.h"

static void ignore_endings(void) {
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
}

int main(int argc, char** argv) {
  const char* mode = argc >= 2 ? argv[1] : "";
  int stay = strcmp(mode, "stay") == 0;
  if (!stay && strcmp(mode, "hang-second") == 0) {
    if (argc != 3) return 2;
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    stay = fd < 0 && errno == EEXIST; /* a first instance made it */
  }
  if (stay) {
    hostile_self_destruct();
    ignore_endings();
    hostile_wait_for_ever();
  }
  int ready;
  hostile_daemonize(&ready);
  ignore_endings();
  hostile_ready(ready);
  hostile_wait_for_ever();
}
