// Test support for the reference daemonizer: temporary folders, processes
// launched the way daemoncheck's dirty launch does, and bounded, event-driven
// waits (pidfd, inotify). Nothing here sleeps as its normal path, and nothing
// leaves a process behind: ProcessSweeper kills and reaps every descendant.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace reftest {

using namespace std::chrono_literals;
constexpr auto kTimeout = 20s;  // generous: a loaded 2-core machine runs many tests at once

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it.
class TempDir : public dc::test::TempDir {
 public:
  TempDir() : dc::test::TempDir("daemonize-test") {}
};

// Makes this process a child subreaper, so that daemons, which detach from
// their launcher, are re-parented to the test; on destruction, kills (SIGKILL)
// and reaps every descendant still alive.
class ProcessSweeper {
 public:
  ProcessSweeper();
  ~ProcessSweeper();
};

// How a test launches a program.
struct Launch {
  std::vector<std::string> argv;
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"};
  // The dirty launch, like daemoncheck's: umask 047, SIGUSR2 blocked,
  // SIGRTMIN+3 ignored, a regular file and a pipe end leaked above 2, a canary
  // variable, and the working directory set to `cwd`.
  bool dirty = false;
  std::string cwd;
  std::string canary = "DAEMONCHECK_CANARY=canary-5f1e2d";
};
struct Finished {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
  unsigned long leaked_pipe = 0;  // the inode of the pipe a dirty launch leaked
};
// Runs `launch` to its end (killing it after kTimeout) and captures stdout and
// stderr; descendants that keep running are the caller's ProcessSweeper's.
Finished run(const Launch& launch);

// Forks; the child runs `body` and exits with what it returns (an uncaught
// exception or a gtest failure in it exits 99). Returns the exit status.
int in_child(const std::function<int()>& body);

// Waits (pidfd) until process `pid` has exited; false after `timeout`.
bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout = kTimeout);
// Waits (inotify on the folder) until `path`'s content contains `text`.
bool wait_for_content(const std::string& path, const std::string& text,
                      std::chrono::milliseconds timeout = kTimeout);
// Waits (inotify) until `path` no longer exists.
bool wait_for_removal(const std::string& path, std::chrono::milliseconds timeout = kTimeout);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);
// "SigBlk", "Umask", ... from /proc/PID/status.
std::string status_field(pid_t pid, const std::string& name);
// Fields of /proc/PID/stat, numbered as in proc(5) (4 ppid, 5 pgrp, 6 session, 7 tty_nr).
long stat_field(pid_t pid, int number);
std::vector<std::string> environ_of(pid_t pid);
bool alive(pid_t pid);  // exists and is not a zombie
// Children of `pid`, zombies included.
std::vector<pid_t> children_of(pid_t pid);
// The pid a pidfile holds, or nullopt; never 0 or 1 (kill() would hit a group or init).
std::optional<pid_t> pid_in(const std::string& pidfile);

// systemd's side of sd_notify: a datagram socket under a fresh abstract name
// (address() is what NOTIFY_SOCKET holds), and each message it receives with
// the CLOCK_MONOTONIC time it arrived.
class NotifyListener {
 public:
  struct Message {
    std::string text;
    uint64_t at_usec = 0;
  };
  NotifyListener();
  ~NotifyListener();
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;
  const std::string& address() const { return address_; }
  // The next message (poll: waits at most `timeout`), or nothing.
  std::optional<Message> next(std::chrono::milliseconds timeout = kTimeout);
  // The next message that starts with `prefix`; the others are dropped.
  std::optional<Message> next_starting(const std::string& prefix,
                                       std::chrono::milliseconds timeout = kTimeout);

 private:
  int fd_ = -1;
  std::string address_;
};

// Build outputs, from compile definitions.
std::string daemonctl_path();
std::string example_daemon_path();

}  // namespace reftest
