/* A small service for the service-mode tests: what it does is its first
 * argument. It writes what it sees (its parent, its environment) on stdout,
 * which the checker reads as the journal's stand-in. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
  for (char** e = environ; *e; ++e) printf("ENV %s\n", *e);
  printf("END\n");
  fflush(stdout);
}

static volatile sig_atomic_t hup;
static void on_hup(int sig) {
  (void)sig;
  hup = 1;
}

/* Sends RELOADING=1 with its CLOCK_MONOTONIC, then READY=1, on each SIGHUP. */
static void reload_loop(void) {
  struct sigaction sa = {.sa_handler = on_hup};
  sigaction(SIGHUP, &sa, NULL);
  notify("READY=1");
  for (;;) {
    pause();
    if (!hup) continue;
    hup = 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char msg[128];
    snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
    notify(msg);
    notify("READY=1");
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

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "simple";
  if (!strcmp(mode, "fail")) return 1;
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
  report();
  if (!strcmp(mode, "notify")) notify("READY=1");
  if (!strcmp(mode, "reload")) reload_loop();
  if (!strcmp(mode, "watchdog")) watchdog_loop();
  if (!strcmp(mode, "child")) {
    /* A child that outlives the main process under KillMode=process. */
    if (fork() == 0)
      for (;;) pause();
  }
  for (;;) pause();
}
