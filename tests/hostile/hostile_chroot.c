/* A daemon that runs chrooted: JAIL is made, and the daemon calls chroot()
 * on it and chdir("/") inside it, as a daemon with --expect-root should.
 *   hostile_chroot JAIL                                                     */
#include "hostile_common.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: hostile_chroot JAIL\n");
    return 2;
  }
  if (mkdir(argv[1], 0755) != 0) return 1;
  int ready;
  hostile_daemonize(&ready);
  if (chroot(argv[1]) != 0 || chdir("/") != 0) _exit(1);
  hostile_ready(ready);
  hostile_wait_for_ever();
}
