// See signals.h.
#include "common/signals.h"

#include <array>
#include <csignal>
#include <string_view>

namespace dc {
namespace {

constexpr std::array<std::string_view, 32> kStandardSignalNames = {
    "",          "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
    "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
    "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
    "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS"};
// The table follows the numbering of x86, arm and the generic Linux ABI;
// alpha, mips and sparc number their signals differently.
static_assert(SIGUSR1 == 10 && SIGCHLD == 17 && SIGIO == 29 && SIGSYS == 31);

}  // namespace

std::string signal_name(int signo) {
  if (signo >= 1 && signo < static_cast<int>(kStandardSignalNames.size())) {
    return std::string(kStandardSignalNames[signo]);
  }
  // glibc keeps the first realtime signals for its threads and moves SIGRTMIN
  // past them at run time; those it keeps have no name.
  const int rtmin = SIGRTMIN, rtmax = SIGRTMAX;
  if (signo == rtmax) return "SIGRTMAX";
  if (signo == rtmin) return "SIGRTMIN";
  if (signo > rtmin && signo < rtmax) return "SIGRTMIN+" + std::to_string(signo - rtmin);
  return "SIG" + std::to_string(signo);
}

std::vector<int> signals_in_mask(uint64_t mask) {
  std::vector<int> signals;
  for (int signo = 1; signo <= 64; ++signo) {
    if (mask & (uint64_t{1} << (signo - 1))) signals.push_back(signo);
  }
  return signals;
}

}  // namespace dc
