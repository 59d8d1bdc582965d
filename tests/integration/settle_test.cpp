// Settling (checker/observe/settle.h) with a stale pidfile: in a control
// check's step 9 the pidfile names a decoy, an unrelated process at rest,
// until the daemon `start` starts writes its own pid. The start-up must still
// be waited for: a middle child of the double fork still at work when the
// settle ends is taken for the daemon or, once it exits, leaves the daemon
// looking like a helper the action left behind. Each test runs in a child of
// its own: the Reaper makes its process a subreaper and blocks the
// interrupting signals.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>

#include "launch/cleanup.h"
#include "observe/process_tree.h"
#include "observe/reaper.h"
#include "observe/settle.h"
#include "sys/fd.h"
#include "temp_dir.h"

namespace {

enum Outcome : int {
  kWaitedForTheMiddle = 0,
  kSettledTooSoon = 1,  // the middle child was still at work
  kTimedOut = 2,
  kSetUp = 3,
};

double cpu_ms() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

// A process at rest, as a decoy is. Gone with its parent.
pid_t start_at_rest() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (;;) ::pause();
  }
  return pid;
}

// The middle child of a double fork on a slow machine: 150 ms of CPU in
// which its state keeps changing (its umask, every 5 ms of CPU), then the
// daemon's fork and its exit. The daemon lives until the `alive` pipe ends (when
// the test's child is gone), so nothing outlives the test.
pid_t start_busy_middle(const int alive[2]) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::close(alive[1]);
  const double start = cpu_ms();
  mode_t mask = 0;
  for (double next = start + 5; cpu_ms() - start < 150;) {
    if (cpu_ms() >= next) {
      mask = (mask + 1) & 0777;  // never the same twice in 150 ms
      ::umask(mask);
      next += 5;
    }
  }
  if (::fork() == 0) {
    char byte;
    while (::read(alive[0], &byte, 1) > 0) {
    }
    ::_exit(0);
  }
  ::_exit(0);
}

[[noreturn]] void run_child(const std::string& pidfile) {
  if (!dc::Reaper::install()) std::_Exit(kSetUp);
  int alive[2];
  if (::pipe(alive) != 0) std::_Exit(kSetUp);
  const pid_t decoy = start_at_rest();
  if (decoy <= 0) std::_Exit(kSetUp);
  std::ofstream(pidfile) << decoy << "\n";
  const pid_t middle = start_busy_middle(alive);
  if (middle <= 0) std::_Exit(kSetUp);
  ::close(alive[0]);
  const dc::UniqueFd middle_fd = dc::open_descendant_pidfd(middle);
  if (!middle_fd.valid()) std::_Exit(kSetUp);
  dc::Reaper& reaper = dc::Reaper::get();
  const bool settled = dc::settle(pidfile, 0, 30, reaper.now_ms() + 10000, 0, {decoy});
  const bool middle_at_work = dc::pidfd_alive(middle_fd.get());
  dc::kill_all_descendants(100);
  ::close(alive[1]);
  if (!settled) std::_Exit(kTimedOut);
  std::_Exit(middle_at_work ? kSettledTooSoon : kWaitedForTheMiddle);
}

TEST(Settle, APidfileNamingADecoyStillWaitsForTheStartUp) {
  const dc::test::TempDir dir("dc-settle");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) run_child(dir / "daemon.pid");
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "ended on signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), kWaitedForTheMiddle)
      << "1: settled while the middle child was at work; 2: timed out; 3: set-up failed";
}

}  // namespace
