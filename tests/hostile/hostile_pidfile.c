/* A correct daemon with a hostile pidfile at PATH:
 *   symlink  PATH is a symbolic link to /etc/passwd (nothing is written)
 *   pid1     PATH holds "1\n", locked by the daemon
 *   garbage  PATH holds text that is no pid, locked by the daemon
 *   huge     PATH holds the daemon's pid, then 1 MiB more, locked
 *   parent   PATH holds the launched process's parent (the checker's session
 *            holder), written before daemonizing; the daemon writes none
 * A second instance finds PATH present and exits 1 before forking.
 *   hostile_pidfile MODE PATH                                               */
#include <sys/stat.h>

#include "hostile_common.h"

static void lock_fd(int fd) {
  struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (fcntl(fd, F_OFD_SETLK, &l) < 0) _exit(1);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: hostile_pidfile symlink|pid1|garbage|huge|parent PATH\n");
    return 2;
  }
  const char *mode = argv[1], *path = argv[2];
  struct stat st;
  if (lstat(path, &st) == 0) {
    fprintf(stderr, "hostile_pidfile: %s exists: already running\n", path);
    return 1;
  }
  int ready, fd = -1;
  if (strcmp(mode, "parent") == 0) {
    char text[32];
    int n = snprintf(text, sizeof text, "%ld\n", (long)getppid());
    fd = hostile_write_file(path, text, (size_t)n);
    if (fd < 0) return 1;
    close(fd);
    hostile_daemonize(&ready);
    hostile_ready(ready);
    hostile_wait_for_ever();
  }
  hostile_daemonize(&ready);
  if (strcmp(mode, "symlink") == 0) {
    if (symlink("/etc/passwd", path) != 0) _exit(1);
  } else if (strcmp(mode, "pid1") == 0) {
    fd = hostile_write_file(path, "1\n", 2);
  } else if (strcmp(mode, "garbage") == 0) {
    static const char junk[] = "garbage \xff\xfe <not a pid> -12 0x1f\n";
    fd = hostile_write_file(path, junk, sizeof junk - 1);
  } else if (strcmp(mode, "huge") == 0) {
    size_t size = 1 << 20;
    char* buf = malloc(size);
    if (!buf) _exit(1);
    memset(buf, '7', size);
    int n = snprintf(buf, 32, "%ld\n", (long)getpid());
    buf[n] = '\n';
    fd = hostile_write_file(path, buf, size);
    free(buf);
  } else {
    _exit(2);
  }
  if (strcmp(mode, "symlink") != 0) {
    if (fd < 0) _exit(1);
    lock_fd(fd);
  }
  hostile_ready(ready);
  hostile_wait_for_ever();
}
