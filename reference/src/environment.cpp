// The environment scrub, in memory and in the initial environment block.
//
// Why both: clearenv(), unsetenv() and setenv() only change `environ`, the
// array of pointers that getenv() reads. The strings execve() placed on the
// stack stay where they were, and the kernel shows that region, from env_start
// to env_end, as /proc/PID/environ and in `ps e`: a daemon that only calls
// clearenv() still displays, and keeps in memory, every secret its launcher's
// environment held. A daemon that execs a new program gets a fresh block from
// execve(); one that does not must overwrite its own block, as below.
#include "daemonize/environment.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <sstream>

#include "daemonize/fd.h"
#include "daemonize/notify.h"

namespace daemonize {

std::vector<std::string> default_env_allow() {
  return {"PATH", "LANG", "LC_*", "TZ"};
}

namespace {

std::string_view name_of(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

}  // namespace

bool env_entry_allowed(std::string_view entry, std::span<const std::string> allow) {
  if (entry.find('=') == std::string_view::npos || entry.front() == '=') return false;
  const std::string_view name = name_of(entry);
  return std::any_of(allow.begin(), allow.end(), [&](std::string_view pattern) {
    if (pattern.ends_with('*')) return name.starts_with(pattern.substr(0, pattern.size() - 1));
    return name == pattern;
  });
}

std::vector<std::string> select_environment(char* const* env, std::span<const std::string> allow,
                                            std::span<const std::string> set) {
  std::vector<std::string> kept;
  for (char* const* entry = env; entry != nullptr && *entry != nullptr; ++entry) {
    if (env_entry_allowed(*entry, allow)) kept.emplace_back(*entry);
  }
  for (const std::string& entry : set) {
    std::erase_if(kept, [&](const std::string& k) { return name_of(k) == name_of(entry); });
    kept.push_back(entry);
  }
  return kept;
}

void write_environment_block(std::span<char> block, std::span<const std::string> entries) {
  size_t at = 0;
  for (const std::string& entry : entries) {
    if (at + entry.size() + 1 > block.size()) break;  // what does not fit lives in environ only
    std::copy(entry.begin(), entry.end(), block.begin() + static_cast<ptrdiff_t>(at));
    block[at + entry.size()] = '\0';
    at += entry.size() + 1;
  }
  std::fill(block.begin() + static_cast<ptrdiff_t>(at), block.end(), '\0');
}

Result<std::span<char>> initial_environment_block() {
  char buffer[1024];  // /proc/self/stat is one line of a few hundred bytes
  const UniqueFd file(::open("/proc/self/stat", O_RDONLY | O_CLOEXEC));
  const ssize_t n = file ? ::read(file.get(), buffer, sizeof buffer) : -1;
  if (n <= 0) return os_error("read", "/proc/self/stat");
  const std::string stat(buffer, static_cast<size_t>(n));
  // Field 2, the command name, may hold spaces and parentheses: count the
  // fields after its closing parenthesis, which is field 3's predecessor.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return Error{"read", "/proc/self/stat", ENOENT, "unreadable"};
  std::istringstream fields(stat.substr(paren + 1));
  std::string field;
  uintptr_t env_start = 0, env_end = 0;
  for (int number = 3; number <= 51 && fields >> field; ++number) {
    if (number == 50) std::from_chars(field.data(), field.data() + field.size(), env_start);
    if (number == 51) std::from_chars(field.data(), field.data() + field.size(), env_end);
  }
  if (env_start == 0 || env_end < env_start) {
    return Error{"read", "/proc/self/stat", 0, "env_start/env_end (fields 50, 51) not shown"};
  }
  return std::span<char>(reinterpret_cast<char*>(env_start), env_end - env_start);  // NOLINT
}

Result<void> scrub_environment(std::span<const std::string> allow,
                               std::span<const std::string> set) {
  // The new environ must outlive this call and every later getenv().
  static std::vector<std::string> entries;
  static std::vector<char*> pointers;

  // Copy what survives first: environ's strings may live inside the block.
  // systemd's variables for the main process never survive, whatever `allow`
  // says: the daemon read them already, and its children must not see them.
  std::vector<std::string> kept = select_environment(environ, allow, set);
  std::erase_if(kept, [](const std::string& entry) { return is_service_variable(entry); });
  auto block = initial_environment_block();
  if (!block) return block.error();
  write_environment_block(*block, kept);

  entries = std::move(kept);
  pointers.clear();
  for (std::string& entry : entries) pointers.push_back(entry.data());
  pointers.push_back(nullptr);
  environ = pointers.data();
  return {};
}

}  // namespace daemonize
