// libFuzzer harness of the /proc parsers. The first byte picks the parser
// (modulo 8, so the seeds in corpus/<parser>/ start with an ASCII digit), the
// rest is its input. Besides not crashing, it checks what callers rely on.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "observe/proc_parse.h"

namespace {

using namespace dc::observe;

void require(bool promise_kept) {
  if (!promise_kept) std::abort();
}

// An error is one short printable line that names its file.
template <class T>
void check_error(const dc::Result<T>& result, std::string_view file) {
  if (result.ok()) return;
  const std::string& message = result.error().message;
  require(message.starts_with(std::string(file) + ": "));
  require(message.size() < 300);
  require(
      std::all_of(message.begin(), message.end(), [](char c) { return c >= 0x20 && c < 0x7f; }));
}

size_t count_lines(std::string_view text) {
  size_t newlines = std::count(text.begin(), text.end(), '\n');
  return newlines + (!text.empty() && !text.ends_with('\n') ? 1 : 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  switch (data[0] % 8) {
    case 0: {
      auto stat = parse_stat(text);
      check_error(stat, "/proc/PID/stat");
      if (stat) require(stat->pid > 0);
      break;
    }
    case 1:
      check_error(parse_status(text), "/proc/PID/status");
      break;
    case 2: {
      LockTable table = parse_locks(text);
      require(table.locks.size() + table.malformed == count_lines(text));
      for (const LockLine& lock : table.locks) {
        require(lock.raw.find('\n') == std::string::npos && !lock.kind.empty());
      }
      break;
    }
    case 3: {
      EnvironBlock block = parse_environ(text);
      for (const std::string& entry : block.entries) {
        require(!entry.empty() && entry.find('\0') == std::string::npos);
        if (block.key_value) require(entry.find('=') != std::string::npos && entry[0] != '=');
      }
      break;
    }
    case 4:
      check_error(parse_limits_core(text), "/proc/PID/limits");
      break;
    case 5: {
      auto maps = parse_maps(text);
      check_error(maps, "/proc/PID/maps");
      if (maps) {
        require(maps->size() == count_lines(text));
        for (const MapRegion& region : *maps) require(region.start < region.end);
      }
      break;
    }
    case 6: {
      auto pid = parse_pidfile(text);
      check_error(pid, "pidfile");
      if (pid) require(*pid >= 1 && *pid <= 4194304);
      break;
    }
    case 7: {
      uint64_t mask = 0;
      std::memcpy(&mask, text.data(), std::min(text.size(), sizeof mask));
      std::vector<int> signals = signals_in_mask(mask);
      require(signals.size() == static_cast<size_t>(std::popcount(mask)));
      for (int signo : signals) require(signal_name(signo).starts_with("SIG"));
      break;
    }
  }
  return 0;
}
