/* Shared by the hostile fixtures: a correct double-fork daemonization with a
 * readiness pipe (the launched process exits 0 only once the daemon is set
 * up), and a self-destruct timer so that no fixture can outlive a broken
 * test run by more than HOSTILE_LIFETIME_S seconds. Every fixture writes
 * only below the folder it is given (the checker's {tmp}). */
#pragma once
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef HOSTILE_LIFETIME_S
#define HOSTILE_LIFETIME_S 120
#endif

/* The fixture dies of SIGALRM after HOSTILE_LIFETIME_S, whatever it does
 * with its other signals. alarm() survives fork only in the caller: call it
 * again in every child. */
static inline void hostile_self_destruct(void) {
  signal(SIGALRM, SIG_DFL);
  alarm(HOSTILE_LIFETIME_S);
}

static inline void hostile_null_stdio(void) {
  int null = open("/dev/null", O_RDWR);
  if (null < 0) _exit(1);
  dup2(null, 0);
  dup2(null, 1);
  dup2(null, 2);
  if (null > 2) close(null);
}

/* Double fork, setsid, chdir /, umask 0, descriptors above 2 closed (but
 * the readiness pipe), stdio on /dev/null, signals reset (SIGHUP ignored). Returns in the
 * daemon with the readiness pipe's write end in *ready_w: write one byte to
 * it once ready (hostile_ready()). The launched process exits 0 when the
 * byte arrives, 1 when the daemon died first. */
static inline void hostile_daemonize(int* ready_w) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) exit(1);
  pid_t pid = fork();
  if (pid < 0) exit(1);
  if (pid > 0) {
    char c;
    close(ready[1]);
    _exit(read(ready[0], &c, 1) == 1 ? 0 : 1);
  }
  setsid();
  const pid_t middle = getpid();
  pid = fork();
  if (pid < 0) _exit(1);
  if (pid > 0) _exit(0);
  /* Once the middle child is gone the daemon has its final parent (the
   * checker, a subreaper): "its parent" means that one, not the middle child. */
  int middle_fd = (int)syscall(SYS_pidfd_open, middle, 0);
  if (middle_fd >= 0) {
    struct pollfd p = {.fd = middle_fd, .events = POLLIN};
    while (poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    close(middle_fd);
  }
  hostile_self_destruct();
  close(ready[0]);
  if (chdir("/") < 0) _exit(1);
  umask(0);
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP && s != SIGALRM) signal(s, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGHUP, SIG_IGN); /* "reload": sighup-handled passes, SIGTERM probes run */
  if (ready[1] > 3) close_range(3, (unsigned)ready[1] - 1, 0);
  close_range((unsigned)ready[1] + 1, ~0U, 0);
  hostile_null_stdio();
  *ready_w = ready[1];
}

static inline void hostile_ready(int ready_w) {
  if (write(ready_w, "r", 1) < 0) { /* the launcher is gone: fine */
  }
  close(ready_w);
}

/* Writes len bytes of data to path, created with O_NOFOLLOW|O_EXCL (never
 * through a link). Returns the open descriptor, or -1. */
static inline int hostile_write_file(const char* path, const char* data, size_t len) {
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  size_t off = 0;
  while (off < len) {
    ssize_t n = write(fd, data + off, len - off);
    if (n <= 0) break;
    off += (size_t)n;
  }
  return fd;
}

static inline void hostile_wait_for_ever(void) {
  for (;;) pause();
}
