// The Daemonctl fixture: daemonctl run as a user runs it, in a fresh folder,
// with every process it leaves behind swept when the test ends.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <vector>

#include "support.h"

namespace reftest {

inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class Daemonctl : public testing::Test {
 protected:
  Finished ctl(std::vector<std::string> args, bool dirty = false) const {
    Launch launch;
    launch.argv = {reftest::daemonctl_path()};
    launch.argv.insert(launch.argv.end(), args.begin(), args.end());
    launch.dirty = dirty;
    launch.cwd = dir.path();
    return reftest::run(launch);
  }
  Finished start(std::vector<std::string> command, std::vector<std::string> options = {}) const {
    std::vector<std::string> args = {"start", "--pidfile", pidfile};
    args.insert(args.end(), options.begin(), options.end());
    args.emplace_back("--");
    args.insert(args.end(), command.begin(), command.end());
    return ctl(args);
  }
  Finished stop(std::vector<std::string> options = {}) const {
    std::vector<std::string> args = {"stop", "--pidfile", pidfile};
    args.insert(args.end(), options.begin(), options.end());
    return ctl(args);
  }
  Finished status() const { return ctl({"status", "--pidfile", pidfile}); }
  // The pid in the pidfile; fails the test (and returns 0) when there is none.
  pid_t daemon_pid() const {
    const auto pid = reftest::pid_in(pidfile);
    EXPECT_TRUE(pid && *pid > 1) << "no pid in " << pidfile;
    return pid && *pid > 1 ? *pid : 0;
  }
  // kill(), refusing the pids that mean "a group" or "everyone".
  static void signal(pid_t pid, int signo) {
    ASSERT_GT(pid, 1);
    ASSERT_EQ(0, ::kill(pid, signo));
  }
  // The command: the only child of the supervisor's only child, its keeper.
  static pid_t command_of(pid_t supervisor) {
    const auto keepers = reftest::children_of(supervisor);
    EXPECT_EQ(1u, keepers.size());
    const auto commands = keepers.empty() ? keepers : reftest::children_of(keepers.front());
    EXPECT_EQ(1u, commands.size());
    return commands.empty() ? 0 : commands.front();
  }
  // The first descendant of `ancestor` whose name (comm) is `name`, or 0.
  static pid_t descendant_named(pid_t ancestor, const std::string& name) {
    for (const pid_t child : reftest::children_of(ancestor)) {
      if (reftest::read_file("/proc/" + std::to_string(child) + "/comm") == name + "\n") {
        return child;
      }
      if (const pid_t found = descendant_named(child, name)) return found;
    }
    return 0;
  }
  // descendant_named(), once it exists: a wrapper forks its child a moment
  // after `start` returned (there is no event to wait for; 1 ms steps, bounded).
  static pid_t await_descendant(pid_t ancestor, const std::string& name) {
    for (int tries = 0; tries < 5000; ++tries) {
      if (const pid_t found = descendant_named(ancestor, name)) return found;
      ::usleep(1000);
    }
    return 0;
  }
  // A child of ours that does not hold any pidfile: an innocent bystander.
  // With `open_path`, it has that file open (without a lock), as a forger's
  // victim would. Returns once it was executed (EOF on a close-on-exec pipe):
  // until then the forked child would still hold the test's descriptors.
  static pid_t bystander(const std::string& open_path = "") {
    int executed[2];
    EXPECT_EQ(0, ::pipe2(executed, O_CLOEXEC));
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (!open_path.empty()) ::open(open_path.c_str(), O_RDONLY);  // kept across exec
      ::execl("/bin/sleep", "sleep", "1000", nullptr);
      ::_exit(127);
    }
    ::close(executed[1]);
    char byte;
    while (::read(executed[0], &byte, 1) < 0 && errno == EINTR) {
    }
    ::close(executed[0]);
    return pid;
  }

  reftest::ProcessSweeper sweeper;
  TempDir dir;
  std::string pidfile = dir / "d.pid";
};

}  // namespace reftest
