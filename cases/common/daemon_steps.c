/* daemon_steps.c: the steps of daemon(7)'s SysV recipe, each done the way the
 * man page asks. The cases call them; see daemon_steps.h for the why of each. */
#define _GNU_SOURCE
#include "daemon_steps.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The write end of the startup pipe while the original process waits on it. */
static int report_fd = -1;

static sigset_t caught_signals;
static volatile sig_atomic_t pending_signals[NSIG];

static void vreport(const char *fmt, va_list ap) {
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (report_fd >= 0) {
    /* The original process prints it on the terminal the user is looking at. */
    if (write(report_fd, msg, strlen(msg)) < 0) {
      /* nobody is listening any more: nothing else to tell */
    }
  } else {
    fprintf(stderr, "%s: %s\n", program_invocation_short_name, msg);
  }
}

void ds_tell(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(fmt, ap);
  va_end(ap);
}

void ds_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(fmt, ap);
  va_end(ap);
  exit(1);
}

const char *ds_option(int argc, char **argv, const char *name) {
  for (int i = 1; i + 1 < argc; i++)
    if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, name) == 0) return argv[i + 1];
  return NULL;
}

const char *ds_pidfile_option(int argc, char **argv) {
  const char *path = ds_option(argc, argv, "pidfile");
  if (path == NULL) {
    fprintf(stderr, "usage: %s --pidfile PATH\n", argv[0]);
    exit(2);
  }
  return path;
}

static int allowed_in_environment(const char *entry) {
  static const char *const keep[] = {"PATH=", "LANG=", "LC_", "TZ="};
  for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
    if (strncmp(entry, keep[i], strlen(keep[i])) == 0) return 1;
  return 0;
}

void ds_sanitize_environment(char **argv) {
  size_t n = 0, dirty = 0;
  for (char **e = environ; *e; e++, n++)
    if (!allowed_in_environment(*e)) dirty++;
  if (dirty == 0) return;
  char **clean = calloc(n + 1, sizeof *clean);
  if (clean == NULL) ds_fail("sanitize environment: out of memory");
  size_t k = 0;
  for (char **e = environ; *e; e++)
    if (allowed_in_environment(*e)) clean[k++] = *e;
  /* By its real path, not /proc/self/exe: the name becomes the process's comm. */
  char self[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len < 0) ds_fail("sanitize environment: readlink /proc/self/exe: %s", strerror(errno));
  self[len] = '\0';
  execve(self, argv, clean);
  ds_fail("sanitize environment: re-exec %s: %s", self, strerror(errno));
}

void ds_close_inherited_fds(void) {
  if (close_range(3, ~0U, 0) != 0) ds_fail("close inherited descriptors: close_range: %s", strerror(errno));
}

void ds_reset_signal_dispositions(void) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    /* glibc keeps two real-time signals for itself: EINVAL, and nothing to do */
    if (sigaction(sig, &dfl, NULL) != 0 && errno != EINVAL)
      ds_fail("reset signal %d to SIG_DFL: %s", sig, strerror(errno));
  }
}

void ds_reset_signal_mask(void) {
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) ds_fail("reset signal mask: %s", strerror(errno));
}

/* on_exit() hands us the exit status: during startup it becomes the original
 * process's exit status, so "return 1" in the daemon means "start failed". */
static void report_exit_status(int status, void *unused) {
  (void)unused;
  if (report_fd < 0) return;
  unsigned char byte = (unsigned char)status;
  if (write(report_fd, &byte, 1) < 0) {
    /* the original process is gone: nobody to tell */
  }
  close(report_fd);
  report_fd = -1;
}

void ds_fork_original_waits(void) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) ds_fail("startup pipe: %s", strerror(errno));
  pid_t pid = fork();
  if (pid < 0) ds_fail("first fork: %s", strerror(errno));
  if (pid == 0) {
    close(pipefd[0]);
    report_fd = pipefd[1];
    on_exit(report_exit_status, NULL);
    return;
  }
  /* The original process: read the daemon's message and status until EOF. */
  close(pipefd[1]);
  char buf[1024];
  size_t n = 0;
  for (;;) {
    char chunk[256];
    ssize_t r = read(pipefd[0], chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    for (ssize_t i = 0; i < r; i++) {
      if (n == sizeof buf) {  /* keep the last byte: it is the status */
        memmove(buf, buf + 1, sizeof buf - 1);
        n--;
      }
      buf[n++] = chunk[i];
    }
  }
  if (n == 0) {
    fprintf(stderr, "%s: the daemon died during startup\n", program_invocation_short_name);
    _exit(1);
  }
  int status = (unsigned char)buf[n - 1];
  if (n > 1) fprintf(stderr, "%s: %.*s\n", program_invocation_short_name, (int)(n - 1), buf);
  _exit(status);
}

void ds_new_session(void) {
  if (setsid() < 0) ds_fail("setsid: %s", strerror(errno));
}

void ds_fork_parent_exits(void) {
  pid_t pid = fork();
  if (pid < 0) ds_fail("second fork: %s", strerror(errno));
  if (pid > 0) _exit(0); /* _exit: the daemon, not this process, reports to the original */
}

void ds_stdio_to_devnull(void) {
  int fd = open("/dev/null", O_RDWR);
  if (fd < 0) ds_fail("open /dev/null: %s", strerror(errno));
  for (int i = 0; i < 3; i++)
    if (fd != i && dup2(fd, i) < 0) ds_fail("dup2 /dev/null to %d: %s", i, strerror(errno));
  if (fd > 2) close(fd);
}

void ds_prevent_core_dumps(void) {
  struct rlimit none = {0, 0};
  if (setrlimit(RLIMIT_CORE, &none) != 0) ds_fail("setrlimit RLIMIT_CORE 0: %s", strerror(errno));
}

int ds_lock_pidfile(const char *path) {
  int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) ds_fail("pidfile %s: open: %s", path, strerror(errno));
  struct flock lock;
  memset(&lock, 0, sizeof lock);
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;  /* l_start 0, l_len 0: the whole file */
  if (fcntl(fd, F_SETLK, &lock) != 0) {
    int err = errno;
    if (err != EAGAIN && err != EACCES) ds_fail("pidfile %s: lock: %s", path, strerror(err));
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

void ds_write_pid(int fd) {
  char line[32];
  int len = snprintf(line, sizeof line, "%ld\n", (long)getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)len, 0) != len)
    ds_fail("write pid to pidfile: %s", strerror(errno));
}

void ds_startup_done(void) {
  report_exit_status(0, NULL);
}

static void record_signal(int sig) {
  pending_signals[sig] = 1;
}

void ds_catch(int sig) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = record_signal;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL) != 0) ds_fail("catch signal %d: %s", sig, strerror(errno));
  sigaddset(&caught_signals, sig);
}

int ds_next_signal(void) { return ds_next_signal_within(-1); }

int ds_next_signal_within(int ms) {
  sigset_t before, wait_mask;
  /* Block the caught signals while looking at the flags, and wait in
   * sigsuspend() with the mask we had: no signal is lost between the two. */
  sigprocmask(SIG_BLOCK, &caught_signals, &before);
  wait_mask = before;
  for (int sig = 1; sig < NSIG; sig++)
    if (sigismember(&caught_signals, sig) == 1) sigdelset(&wait_mask, sig);
  for (;;) {
    for (int sig = 1; sig < NSIG; sig++) {
      if (pending_signals[sig]) {
        pending_signals[sig] = 0;
        sigprocmask(SIG_SETMASK, &before, NULL);
        return sig;
      }
    }
    /* ppoll() with no descriptors is sigsuspend() with a timeout. */
    struct timespec left = {ms / 1000, (long)(ms % 1000) * 1000000L};
    if (ppoll(NULL, 0, ms < 0 ? NULL : &left, &wait_mask) == 0) {
      sigprocmask(SIG_SETMASK, &before, NULL);
      return 0;
    }
  }
}

void ds_slow_initialization(int ms) {
  struct timespec left = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

int ds_sd_notify(const char *state) {
  const char *path = getenv("NOTIFY_SOCKET");
  if (path == NULL || (path[0] != '/' && path[0] != '@')) return -1;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t len = strlen(path);
  if (len >= sizeof addr.sun_path) return -1;
  memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0'; /* an abstract socket */
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  socklen_t addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
  ssize_t sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr, addrlen);
  close(fd);
  return sent < 0 ? -1 : 0;
}
