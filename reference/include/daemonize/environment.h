// The environment scrub (daemon(7) SysV step 4, the tutorial's step 1): only
// an allow-list of variables survives, in the process's memory and in the
// initial environment block that ps(1) and /proc/PID/environ show.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemonize/error.h"

namespace daemonize {

// What a daemon needs to find programs and speak the local language, and
// nothing of the session it was started from (SSH_AUTH_SOCK, DISPLAY, a
// caller's secrets, LD_PRELOAD).
std::vector<std::string> default_env_allow();  // PATH, LANG, LC_*, TZ

// True when the NAME of `entry` ("NAME=VALUE") is allowed; a pattern ending in
// '*' allows every name with that prefix.
bool env_entry_allowed(std::string_view entry, std::span<const std::string> allow);

// The entries of `env` (a NULL-terminated array, like environ) that `allow`
// keeps, then the "NAME=VALUE" entries of `set`, each replacing an entry of
// the same name.
std::vector<std::string> select_environment(char* const* env, std::span<const std::string> allow,
                                            std::span<const std::string> set);

// Writes `entries` NUL-terminated and back to back at the start of `block`,
// as many as fit, and zeroes the rest of it.
void write_environment_block(std::span<char> block, std::span<const std::string> entries);

// The initial environment block: the bytes between env_start and env_end
// (fields 50 and 51 of /proc/self/stat) that execve() copied onto the stack.
Result<std::span<char>> initial_environment_block();

// Leaves only `allow`ed variables (plus `set`) in `environ` and, rewritten in
// place, in the initial environment block. See environment.cpp for why both.
// systemd's NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID go whatever `allow`
// says (see is_service_variable()): they are for this process alone.
Result<void> scrub_environment(std::span<const std::string> allow,
                               std::span<const std::string> set = {});

}  // namespace daemonize
