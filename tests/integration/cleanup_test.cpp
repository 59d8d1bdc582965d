// The checker's cleanup (checker/launch/cleanup.h) under an interrupt: a
// SIGINT, SIGTERM or SIGHUP (the outer process's death) that arrives while a
// destructor waits for the target's processes to end must not end the checker
// there (a throw out of a destructor is std::terminate, which leaves the
// check's folders behind). Each test runs in a child of its own: the Reaper
// makes its process a subreaper and blocks the interrupting signals.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "launch/cleanup.h"
#include "launch/signal_guard.h"
#include "observe/process_tree.h"
#include "observe/reaper.h"
#include "sys/fd.h"

namespace {

// What the child reports through its exit status.
enum Outcome : int {
  kKeptForLater = 0,    // the cleanup ended its processes; the next wait threw
  kNotThrownLater = 1,  // the next wait did not throw the interrupt
  kLeft = 2,            // a process of the cleanup's was still there
  kSetUp = 3,
};

// A process that ignores SIGTERM, so that the cleanup has to wait for it and
// then SIGKILL it.
pid_t start_stubborn_child() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Gone with the test's child whatever becomes of it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::signal(SIGTERM, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (;;) ::pause();
  }
  return pid;
}

// Sends the checker (this process) sig as the user would, from outside its
// tree as far as the Reaper can tell.
bool interrupt_self(int sig) {
  dc::UniqueFd self(static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0)));
  return self.valid() && dc::send_signal(self.get(), sig);
}

struct CleansUpInItsDestructor {
  ~CleansUpInItsDestructor() { dc::kill_all_descendants(200); }
};

[[noreturn]] void run_child(int sig) {
  if (!dc::Reaper::install()) std::_Exit(kSetUp);
  const pid_t stubborn = start_stubborn_child();
  if (stubborn <= 0 || !interrupt_self(sig)) std::_Exit(kSetUp);
  { const CleansUpInItsDestructor cleanup; }
  if (dc::read_proc_entry(stubborn)) std::_Exit(kLeft);
  try {
    dc::Reaper::get().wait({}, dc::Reaper::get().now_ms() + 5000);
  } catch (const dc::Interrupted& i) {
    std::_Exit(i.signo == sig ? kKeptForLater : kNotThrownLater);
  }
  std::_Exit(kNotThrownLater);
}

class CleanupInterrupted : public ::testing::TestWithParam<int> {};

TEST_P(CleanupInterrupted, AnInterruptDuringADestructorsWaitIsKeptForTheNextWait) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) run_child(GetParam());
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_FALSE(WIFSIGNALED(status)) << "the checker ended on signal " << WTERMSIG(status)
                                    << " (SIGABRT: an interrupt thrown out of a destructor)";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kKeptForLater)
      << "1: the next wait did not throw; 2: the stubborn process was left; 3: set-up failed";
}

INSTANTIATE_TEST_SUITE_P(Signals, CleanupInterrupted, ::testing::Values(SIGINT, SIGTERM, SIGHUP));

}  // namespace
