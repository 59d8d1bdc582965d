/* A small service for the service-mode tests: what it does is its first
 * argument. It writes what it sees (its parent, its environment) on stdout,
 * which the checker reads as the journal's stand-in. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static void notify(const char* text) {
  const char* path = getenv("NOTIFY_SOCKET");
  if (!path) return;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  sendto(fd, text, strlen(text), 0, (struct sockaddr*)&addr, sizeof addr);
  close(fd);
}

static void report(void) {
  printf("PPID=%d\n", (int)getppid());
  /* The mark a test leaves at the root of a RootDirectory= it made. */
  if (access("/dc-root-mark", F_OK) == 0) printf("ROOT=marked\n");
  for (char** e = environ; *e; ++e) printf("ENV %s\n", *e);
  printf("END\n");
  fflush(stdout);
}

static volatile sig_atomic_t hup;
static void on_hup(int sig) {
  (void)sig;
  hup = 1;
}

/* Blocks SIGHUP; *waiting is the mask to sigsuspend() in for it. A SIGHUP
 * sent right after READY=1 then waits, blocked, for the sigsuspend(). */
static void block_hup(sigset_t* waiting) {
  sigset_t hup_set;
  sigemptyset(&hup_set);
  sigaddset(&hup_set, SIGHUP);
  sigprocmask(SIG_BLOCK, &hup_set, waiting);
  sigdelset(waiting, SIGHUP);
}

/* One reload as notify-reload wants it: RELOADING=1 with its
 * CLOCK_MONOTONIC, then READY=1; `huge`: with numbers too long for any
 * integer instead. */
static void answer_reload(int huge) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  char msg[128];
  if (huge)
    snprintf(msg, sizeof msg,
             "RELOADING=1\nMONOTONIC_USEC=123456789012345678901234567890\n"
             "MAINPID=99999999999999999999");
  else
    snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
  notify(msg);
  notify("READY=1");
}

/* Answers each SIGHUP (a handler) with answer_reload(huge). */
static void reload_loop(int huge) {
  struct sigaction sa = {.sa_handler = on_hup};
  sigaction(SIGHUP, &sa, NULL);
  sigset_t waiting;
  block_hup(&waiting);
  notify("READY=1");
  for (;;) {
    while (!hup) sigsuspend(&waiting);
    hup = 0;
    answer_reload(huge);
  }
}

/* The same protocol with SIGHUP blocked and read from a signalfd (as
 * sd-event does): no handler, so SigCgt never shows it. */
static void reload_signalfd_loop(void) {
  sigset_t hup_set;
  sigemptyset(&hup_set);
  sigaddset(&hup_set, SIGHUP);
  sigprocmask(SIG_BLOCK, &hup_set, NULL);
  int fd = signalfd(-1, &hup_set, SFD_CLOEXEC);
  if (fd < 0) exit(1);
  notify("READY=1");
  for (;;) {
    struct signalfd_siginfo si;
    if (read(fd, &si, sizeof si) != (ssize_t)sizeof si) continue;
    answer_reload(0);
  }
}

/* Feeds the watchdog at half of WATCHDOG_USEC, as sd_watchdog_enabled(3) says. */
static void watchdog_loop(void) {
  const char* usec = getenv("WATCHDOG_USEC");
  long long half = usec ? atoll(usec) / 2 : 1000000;
  notify("READY=1");
  for (;;) {
    notify("WATCHDOG=1");
    struct timespec ts = {half / 1000000, (half % 1000000) * 1000};
    nanosleep(&ts, NULL);
  }
}

/* Socket activation as sd_listen_fds(3) checks it: LISTEN_PID is this
 * process, LISTEN_FDS counts descriptors from 3 on, and 3 is a listening
 * AF_UNIX stream socket. Says so on stdout, is ready, then answers every
 * connection with "hello". */
static void listen_loop(void) {
  const char* pid = getenv("LISTEN_PID");
  const char* fds = getenv("LISTEN_FDS");
  const char* names = getenv("LISTEN_FDNAMES");
  int accepting = 0, domain = 0;
  socklen_t len = sizeof accepting;
  getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len);
  len = sizeof domain;
  getsockopt(3, SOL_SOCKET, SO_DOMAIN, &domain, &len);
  if (!pid || atoi(pid) != (int)getpid() || !fds || atoi(fds) < 1 || !accepting ||
      domain != AF_UNIX) {
    printf("LISTEN bad pid=%s fds=%s accepting=%d\n", pid ? pid : "-", fds ? fds : "-", accepting);
    fflush(stdout);
    exit(1);
  }
  printf("LISTEN ok %s %s\n", fds, names ? names : "-");
  fflush(stdout);
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  notify("READY=1");
  for (;;) {
    /* systemd's sockets are non-blocking: wait for a client first. */
    struct pollfd p = {.fd = 3, .events = POLLIN};
    if (poll(&p, 1, -1) < 0) continue;
    int c = accept4(3, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) continue;
    (void)!write(c, "hello\n", 6);
    close(c);
  }
}

/* A client of listen_loop(): exits 0 when the socket at `path` says hello. */
static int say_hello(const char* path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  if (connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) return 1;
  char buf[16] = {0};
  return read(fd, buf, sizeof buf - 1) == 6 && !strcmp(buf, "hello\n") ? 0 : 1;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "simple";
  if (!strcmp(mode, "fail")) return 1;
  if (!strcmp(mode, "hello")) return argc > 2 ? say_hello(argv[2]) : 2;
  if (!strcmp(mode, "uid")) {
    /* argv[2]: a label; the credentials it runs with. */
    printf("UID %s=%d\n", argc > 2 ? argv[2] : "", (int)geteuid());
    return 0;
  }
  if (!strcmp(mode, "oneshot")) {
    report();
    return 0;
  }
  if (!strcmp(mode, "forking")) {
    /* argv[2]: the pidfile, written by the child before the parent exits. */
    int ready[2];
    if (pipe(ready) != 0) return 1;
    pid_t child = fork();
    if (child < 0) return 1;
    if (child == 0) {
      setsid();
      FILE* f = fopen(argv[2], "w");
      if (f) {
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
      }
      close(ready[1]);
      for (;;) pause();
    }
    close(ready[1]);
    char c;
    while (read(ready[0], &c, 1) > 0) {
    }
    return 0;
  }
  if (!strcmp(mode, "forking-late")) {
    /* argv[2]: the pidfile, argv[3]: a delay in ms. The first process exits
     * at once; a grandchild writes the pidfile (making its folder) only
     * after the delay, asleep meanwhile. */
    if (fork() != 0) return 0;
    setsid();
    if (fork() != 0) _exit(0);
    long ms = argc > 3 ? atol(argv[3]) : 300;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", argv[2]);
    char* slash = strrchr(dir, '/');
    if (slash && slash != dir) {
      *slash = 0;
      mkdir(dir, 0755);
    }
    FILE* f = fopen(argv[2], "w");
    if (f) {
      fprintf(f, "%d\n", (int)getpid());
      fclose(f);
    }
    for (;;) pause();
  }
  if (!strcmp(mode, "forking-silent")) {
    /* The first process exits 0; its child stays and never writes a pidfile. */
    if (fork() != 0) return 0;
    setsid();
    for (;;) pause();
  }
  if (!strcmp(mode, "forks")) {
    /* Daemonizes itself: the child stays, the ExecStart process exits 0. */
    pid_t child = fork();
    if (child < 0) return 1;
    if (child == 0) {
      setsid();
      report();
      for (;;) pause();
    }
    return 0;
  }
  report();
  if (!strcmp(mode, "nohup")) {
    /* argv[2], when given: a file it makes with O_EXCL, so that a second
     * start finds it and gives up, unless its folder is fresh again. */
    if (argc > 2) {
      int fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0) {
        printf("cannot make %s: %s\n", argv[2], strerror(errno));
        return 1;
      }
      close(fd);
    }
    for (;;) pause(); /* SIGHUP at its default: it ends the process */
  }
  /* Every other long-running mode survives SIGHUP (the sighup-handled probe). */
  struct sigaction sa = {.sa_handler = on_hup};
  sigaction(SIGHUP, &sa, NULL);
  if (!strcmp(mode, "notify")) notify("READY=1");
  if (!strcmp(mode, "listen")) listen_loop();
  if (!strcmp(mode, "notify-child")) {
    /* A child that keeps NOTIFY_SOCKET and speaks first: NotifyAccess=main
     * ignores it; the main process's own READY=1 follows once it has. */
    int done[2];
    if (pipe(done) != 0) return 1;
    if (fork() == 0) {
      notify("READY=1");
      close(done[1]);
      for (;;) pause();
    }
    close(done[1]);
    char c;
    while (read(done[0], &c, 1) > 0) {
    }
    notify("READY=1");
  }
  if (!strcmp(mode, "hup-child")) {
    /* Ready at once, its environment untouched; on each SIGHUP (after
     * READY=1) it starts a worker that execs this program again and keeps
     * NOTIFY_SOCKET. It waits for the exec (the close-on-exec pipe closes),
     * so that once it is asleep again the worker runs its own program. */
    sigset_t waiting;
    block_hup(&waiting);
    notify("READY=1");
    for (;;) {
      while (!hup) sigsuspend(&waiting);
      hup = 0;
      int execed[2];
      if (pipe2(execed, O_CLOEXEC) != 0) return 1;
      if (fork() == 0) {
        execl("/proc/self/exe", argv[0], "worker", (char*)NULL);
        _exit(127);
      }
      close(execed[1]);
      char c;
      while (read(execed[0], &c, 1) > 0) {
      }
      close(execed[0]);
    }
  }
  if (!strcmp(mode, "spin")) {
    /* Never asleep: a service that is always on a CPU. */
    volatile unsigned long n = 0;
    for (;;) ++n;
  }
  if (!strcmp(mode, "reload")) reload_loop(0);
  if (!strcmp(mode, "reload-huge")) reload_loop(1);
  if (!strcmp(mode, "reload-signalfd")) reload_signalfd_loop();
  if (!strcmp(mode, "watchdog")) watchdog_loop();
  if (!strcmp(mode, "child")) {
    /* A child that outlives the main process under KillMode=process. */
    if (fork() == 0)
      for (;;) pause();
  }
  for (;;) pause();
}
