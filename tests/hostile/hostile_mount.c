/* A daemon that mounts inside its temp folder, as a chroot jail binds /usr:
 * SRC (a folder of the test's, outside the temp folder) is bind-mounted on
 * JAIL (made inside the temp folder), and LINK is a symbolic link to SRC.
 * Removing the temp folder must delete nothing of SRC.
 *   hostile_mount SRC JAIL LINK                                            */
#include <sys/mount.h>

#include "hostile_common.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: hostile_mount SRC JAIL LINK\n");
    return 2;
  }
  if (mkdir(argv[2], 0755) != 0 || mount(argv[1], argv[2], NULL, MS_BIND, NULL) != 0 ||
      symlink(argv[1], argv[3]) != 0) {
    perror("hostile_mount");
    return 1;
  }
  int ready;
  hostile_daemonize(&ready);
  hostile_ready(ready);
  hostile_wait_for_ever();
}
