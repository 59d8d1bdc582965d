/* A daemon that swaps a folder for a symbolic link once it runs: FOLDER is
 * renamed to FOLDER.orig and FOLDER becomes a link to ELSEWHERE (the report
 * folder, to redirect the scorecard).
 *   hostile_swap_dir FOLDER ELSEWHERE                                       */
#include "hostile_common.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: hostile_swap_dir FOLDER ELSEWHERE\n");
    return 2;
  }
  int ready;
  hostile_daemonize(&ready);
  char orig[4096];
  snprintf(orig, sizeof orig, "%s.orig", argv[1]);
  if (rename(argv[1], orig) != 0 || symlink(argv[2], argv[1]) != 0) _exit(1);
  hostile_ready(ready);
  hostile_wait_for_ever();
}
