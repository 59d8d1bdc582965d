// Small pure helpers the rules share: naming signals and descriptors,
// telling a terminal from a file, listing pids.
#pragma once

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/signals.h"
#include "common/text.h"
#include "model/observation.h"

namespace dc {

inline std::vector<std::string> signal_names(uint64_t mask) {
  std::vector<std::string> out;
  for (int s : signals_in_mask(mask)) out.push_back(signal_name(s));
  return out;
}

inline std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// Character devices that are terminals: /dev/tty*, /dev/console, /dev/ptmx,
// the Unix98 pty slaves (136-143) and serial lines.
inline bool is_terminal(const FdFact& f) {
  if (f.stat_ok && S_ISCHR(f.mode)) {
    unsigned maj = major(f.rdev);
    unsigned min = minor(f.rdev);
    if (maj == 1) return false;  // /dev/null, /dev/zero, ...
    if (maj == 4 || (maj == 5 && min <= 2) || (maj >= 136 && maj <= 143) || maj == 188 ||
        maj == 204)
      return true;
  }
  return f.target.rfind("/dev/pts/", 0) == 0 || f.target.rfind("/dev/tty", 0) == 0 ||
         f.target == "/dev/console" || f.target == "/dev/ptmx";
}

inline bool refers_to(const FdFact& f, const std::string& pty_path, unsigned long long pty_rdev) {
  if (f.stat_ok && S_ISCHR(f.mode) && pty_rdev != 0 && f.rdev == pty_rdev) return true;
  return !pty_path.empty() && f.target == pty_path;
}

inline std::string describe_exit(const ExitInfo& e) {
  if (e.signal) return "was killed by " + signal_name(*e.signal);
  if (e.exit_status) return "exited with status " + std::to_string(*e.exit_status);
  return "ended";
}

inline nlohmann::json exit_json(const ExitInfo& e) {
  nlohmann::json j{{"pid", e.pid}, {"at_ms", e.at_ms}};
  if (e.exit_status) j["exit_status"] = *e.exit_status;
  if (e.signal) j["signal"] = signal_name(*e.signal);
  return j;
}

// The last non-empty line of what a process wrote on its terminal, carriage
// returns and surrounding blanks dropped, at most 200 bytes; "" when none.
inline std::string last_line(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = text.rfind('\n', end - 1);
    start = start == std::string_view::npos ? 0 : start + 1;
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t' || line.front() == '\r'))
      line.remove_prefix(1);
    if (!line.empty()) return std::string(line.substr(0, 200));
    end = start == 0 ? 0 : start - 1;
  }
  return "";
}

constexpr const char* kNoDaemon = "no daemon survived startup";

}  // namespace dc

namespace dc {
inline std::string fixed_s(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}
}  // namespace dc
