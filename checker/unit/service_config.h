// The [Service] settings of a unit resolved into the values the check will
// simulate, with systemd's defaults filled in (systemd.service(5),
// systemd.exec(5), systemd.kill(5)). Pure: nothing is looked up on the host.
// The launch of `daemoncheck --unit` takes its commands, environment,
// credentials, stdio, timeouts and kill settings from here; every other
// [Service] key present is named in `not_simulated`, so none is dropped
// silently. Settings systemd would ignore are findings; so is a unit systemd
// would refuse (no ExecStart=, a bad command line), with Severity::fatal.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "unit/exec_line.h"
#include "unit/specifiers.h"
#include "unit/unit_file.h"

namespace dc::unit {

enum class ServiceType { simple, exec, forking, oneshot, notify, notify_reload };
enum class NotifyAccess { none, main, exec, all };
enum class KillMode { control_group, mixed, process, none };

std::string_view type_name(ServiceType type);
std::string_view notify_access_name(NotifyAccess access);
std::string_view kill_mode_name(KillMode mode);

inline constexpr uint64_t kInfinity = std::numeric_limits<uint64_t>::max();

// A systemd time span ("90", "1min 30s", "2.5h", "infinity") in
// microseconds; a number without a unit counts `default_unit_usec`.
Result<uint64_t> parse_timespan(std::string_view text, uint64_t default_unit_usec = 1'000'000);
// "SIGTERM", "TERM", "15", "SIGRTMIN+2".
Result<int> parse_signal(std::string_view text);
// systemd's booleans: 1 yes y true t on / 0 no n false f off.
Result<bool> parse_boolean(std::string_view text);

struct Rlimit {
  uint64_t soft = 0, hard = 0;  // kInfinity for RLIM_INFINITY
};

// StandardInput=/Output=/Error=: the kind ("null", "tty", "journal",
// "file", "append", "truncate", "inherit", ...) and, for the file kinds, the path.
struct Stdio {
  std::string kind;
  std::string path;
};

struct WorkingDirectory {
  std::string path = "/";  // "~" stands for User='s home, found at launch
  bool optional = false;   // "-" prefix: a missing directory is not an error
};

struct EnvironmentFile {
  std::string path;
  bool optional = false;  // "-" prefix
};

struct ServiceConfig {
  ServiceType type = ServiceType::simple;
  bool type_was_idle = false;  // Type=idle runs as simple
  std::vector<ExecCommand> exec_start_pre, exec_start, exec_start_post, exec_reload, exec_stop;
  std::optional<std::string> pid_file;
  NotifyAccess notify_access = NotifyAccess::none;
  KillMode kill_mode = KillMode::control_group;
  int kill_signal = 15;
  bool send_sigkill = true;
  uint64_t timeout_start_usec = 90'000'000;  // kInfinity: no timeout
  uint64_t timeout_stop_usec = 90'000'000;
  uint64_t watchdog_usec = 0;            // 0: no watchdog
  std::vector<int> success_exit_status;  // beyond 0
  std::vector<int> success_signals;      // beyond SIGHUP, SIGINT, SIGTERM, SIGPIPE
  std::string user, group;               // empty: root
  std::vector<std::string> supplementary_groups;
  WorkingDirectory working_directory;
  std::string root_directory;  // empty: the host's /
  // MountAPIVFS= as written (unset: yes with RootDirectory=). Its mounts are
  // not simulated, but it decides where NOTIFY_SOCKET is inside the root.
  std::optional<bool> mount_api_vfs;
  unsigned umask = 0022;
  std::vector<std::pair<std::string, std::string>> environment;  // Environment=, in order
  std::vector<EnvironmentFile> environment_files;
  std::vector<std::string> pass_environment, unset_environment;
  Rlimit limit_nofile{1024, 524288};
  std::optional<Rlimit> limit_core;  // nullopt: inherited from the manager
  Stdio standard_input{"null", ""};
  Stdio standard_output{"journal", ""};
  Stdio standard_error{"inherit", ""};
  std::vector<std::string> runtime_directory;
  bool guess_main_pid = true;
  int reload_signal = 1;  // SIGHUP
  // [Service] keys present in the unit that the check does not simulate,
  // each once, in the order they first appear.
  std::vector<std::string> not_simulated;
  // The reader's findings and the resolution's, in order.
  std::vector<Finding> findings;
};

// Resolves the [Service] section of `unit`. The only Error is a unit the
// check refuses to simulate at all (Type=dbus, or BusName= without Type=,
// which systemd runs as dbus): the caller exits with status 3 on it.
Result<ServiceConfig> resolve_service(const UnitFile& unit, const SpecifierHost& host);

// Every key systemd 252 knows in [Service].
bool known_service_key(std::string_view key);

}  // namespace dc::unit
