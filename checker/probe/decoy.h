// The decoys of a control check (control.md, step 4): processes that look
// like the daemon and are not. The checker re-executes itself in a hidden
// decoy mode: the decoy blocks every signal, reads them with a signalfd and
// reports "SIGNO SENDER_PID" lines on a pipe, so the checker learns who
// signalled it and when.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"
#include "sys/fd.h"

namespace dc {

// The environment variables of the decoy mode: the report pipe's descriptor
// and the name (comm) to take. main() checks the first before anything else.
inline constexpr const char* kDecoyFdEnv = "DAEMONCHECK_DECOY_FD";
inline constexpr const char* kDecoyCommEnv = "DAEMONCHECK_DECOY_COMM";

// The decoy mode's main: never returns while its report pipe is open.
int decoy_main(const char* fd_text);

struct DecoyReport {
  int signo = 0;
  pid_t sender = 0;
};

class DecoyProcess {
 public:
  // Starts /proc/self/exe as a decoy with this argv and comm, in a session
  // of its own.
  static Result<DecoyProcess> start(const std::vector<std::string>& argv, const std::string& comm);
  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }
  // Every signal it reported since the last call; when it still has signals
  // pending (sent, not yet read), waits for them, bounded by wait_ms.
  std::vector<DecoyReport> take_reports(double wait_ms);
  bool alive() const;
  // SIGKILL through its pidfd and a bounded wait for its exit.
  void end();

 private:
  pid_t pid_ = 0;
  UniqueFd pidfd_;
  UniqueFd reports_;
  std::string partial_;
};

}  // namespace dc
