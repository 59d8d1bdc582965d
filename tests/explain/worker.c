/* The $DAEMON of the shell fixes and the child of the Python ones: a plain
 * program that knows nothing about daemons. It waits for signals with their
 * default actions (SIGTERM and SIGHUP end it). Linked statically, so that a
 * chroot jail needs nothing but this file. */
#include <unistd.h>

int main(void) {
  for (;;) pause();
}
