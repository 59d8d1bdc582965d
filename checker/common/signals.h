// Signal names as the kernel's and glibc's tables spell them, for the rules'
// messages and the reports: pure, so that the rules and the renderers need
// nothing from the stages that read /proc.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dc {

// "SIGUSR2", "SIGRTMIN+3", ...; numbers without a name print as "SIG<n>".
std::string signal_name(int signo);
// The signals (1..64) set in a SigBlk/SigIgn/SigCgt mask.
std::vector<int> signals_in_mask(uint64_t mask);

}  // namespace dc
