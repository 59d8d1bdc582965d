// See service_config.h. Defaults and parsing follow systemd 252
// (load-fragment.c, service.c service_add_extras(), time-util.c).
#include "unit/service_config.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <map>
#include <span>

#include "common/text.h"
#include "unit/unit_file.h"

namespace dc::unit {
namespace {

// Every [Service] key of systemd 252 (its load-fragment-gperf table), and
// ReloadSignal= of 253, which came with Type=notify-reload.
constexpr std::string_view kKnownKeys[] = {
    "ReloadSignal",
    "AllowedCPUs",
    "AllowedMemoryNodes",
    "AmbientCapabilities",
    "AppArmorProfile",
    "BPFProgram",
    "BindPaths",
    "BindReadOnlyPaths",
    "BlockIOAccounting",
    "BlockIODeviceWeight",
    "BlockIOReadBandwidth",
    "BlockIOWeight",
    "BlockIOWriteBandwidth",
    "BusName",
    "BusPolicy",
    "CPUAccounting",
    "CPUAffinity",
    "CPUQuota",
    "CPUQuotaPeriodSec",
    "CPUSchedulingPolicy",
    "CPUSchedulingPriority",
    "CPUSchedulingResetOnFork",
    "CPUShares",
    "CPUWeight",
    "CacheDirectory",
    "CacheDirectoryMode",
    "Capabilities",
    "CapabilityBoundingSet",
    "ConfigurationDirectory",
    "ConfigurationDirectoryMode",
    "CoredumpFilter",
    "DefaultMemoryLow",
    "DefaultMemoryMin",
    "Delegate",
    "DeviceAllow",
    "DevicePolicy",
    "DisableControllers",
    "DynamicUser",
    "Environment",
    "EnvironmentFile",
    "ExecCondition",
    "ExecPaths",
    "ExecReload",
    "ExecSearchPath",
    "ExecStart",
    "ExecStartPost",
    "ExecStartPre",
    "ExecStop",
    "ExecStopPost",
    "ExitType",
    "ExtensionDirectories",
    "ExtensionImages",
    "FailureAction",
    "FileDescriptorStoreMax",
    "FinalKillSignal",
    "Group",
    "GuessMainPID",
    "IOAccounting",
    "IODeviceLatencyTargetSec",
    "IODeviceWeight",
    "IOReadBandwidthMax",
    "IOReadIOPSMax",
    "IOSchedulingClass",
    "IOSchedulingPriority",
    "IOWeight",
    "IOWriteBandwidthMax",
    "IOWriteIOPSMax",
    "IPAccounting",
    "IPAddressAllow",
    "IPAddressDeny",
    "IPCNamespacePath",
    "IPEgressFilterPath",
    "IPIngressFilterPath",
    "IgnoreSIGPIPE",
    "InaccessibleDirectories",
    "InaccessiblePaths",
    "KeyringMode",
    "KillMode",
    "KillSignal",
    "LimitAS",
    "LimitCORE",
    "LimitCPU",
    "LimitDATA",
    "LimitFSIZE",
    "LimitLOCKS",
    "LimitMEMLOCK",
    "LimitMSGQUEUE",
    "LimitNICE",
    "LimitNOFILE",
    "LimitNPROC",
    "LimitRSS",
    "LimitRTPRIO",
    "LimitRTTIME",
    "LimitSIGPENDING",
    "LimitSTACK",
    "LoadCredential",
    "LoadCredentialEncrypted",
    "LockPersonality",
    "LogExtraFields",
    "LogLevelMax",
    "LogNamespace",
    "LogRateLimitBurst",
    "LogRateLimitIntervalSec",
    "LogsDirectory",
    "LogsDirectoryMode",
    "ManagedOOMMemoryPressure",
    "ManagedOOMMemoryPressureLimit",
    "ManagedOOMPreference",
    "ManagedOOMSwap",
    "MemoryAccounting",
    "MemoryDenyWriteExecute",
    "MemoryHigh",
    "MemoryLimit",
    "MemoryLow",
    "MemoryMax",
    "MemoryMin",
    "MemorySwapMax",
    "MountAPIVFS",
    "MountFlags",
    "MountImages",
    "NUMAMask",
    "NUMAPolicy",
    "NetClass",
    "NetworkNamespacePath",
    "Nice",
    "NoExecPaths",
    "NoNewPrivileges",
    "NonBlocking",
    "NotifyAccess",
    "OOMPolicy",
    "OOMScoreAdjust",
    "PAMName",
    "PIDFile",
    "PassEnvironment",
    "PermissionsStartOnly",
    "Personality",
    "PrivateDevices",
    "PrivateIPC",
    "PrivateMounts",
    "PrivateNetwork",
    "PrivateTmp",
    "PrivateUsers",
    "ProcSubset",
    "ProtectClock",
    "ProtectControlGroups",
    "ProtectHome",
    "ProtectHostname",
    "ProtectKernelLogs",
    "ProtectKernelModules",
    "ProtectKernelTunables",
    "ProtectProc",
    "ProtectSystem",
    "ReadOnlyDirectories",
    "ReadOnlyPaths",
    "ReadWriteDirectories",
    "ReadWritePaths",
    "RebootArgument",
    "RemainAfterExit",
    "RemoveIPC",
    "Restart",
    "RestartForceExitStatus",
    "RestartKillSignal",
    "RestartPreventExitStatus",
    "RestartSec",
    "RestrictAddressFamilies",
    "RestrictFileSystems",
    "RestrictNamespaces",
    "RestrictNetworkInterfaces",
    "RestrictRealtime",
    "RestrictSUIDSGID",
    "RootDirectory",
    "RootDirectoryStartOnly",
    "RootHash",
    "RootHashSignature",
    "RootImage",
    "RootImageOptions",
    "RootVerity",
    "RuntimeDirectory",
    "RuntimeDirectoryMode",
    "RuntimeDirectoryPreserve",
    "RuntimeMaxSec",
    "RuntimeRandomizedExtraSec",
    "SELinuxContext",
    "SecureBits",
    "SendSIGHUP",
    "SendSIGKILL",
    "SetCredential",
    "SetCredentialEncrypted",
    "Slice",
    "SmackProcessLabel",
    "SocketBindAllow",
    "SocketBindDeny",
    "Sockets",
    "StandardError",
    "StandardInput",
    "StandardInputData",
    "StandardInputText",
    "StandardOutput",
    "StartLimitAction",
    "StartLimitBurst",
    "StartLimitInterval",
    "StartupAllowedCPUs",
    "StartupAllowedMemoryNodes",
    "StartupBlockIOWeight",
    "StartupCPUShares",
    "StartupCPUWeight",
    "StartupIOWeight",
    "StateDirectory",
    "StateDirectoryMode",
    "SuccessExitStatus",
    "SupplementaryGroups",
    "SysVStartPriority",
    "SyslogFacility",
    "SyslogIdentifier",
    "SyslogLevel",
    "SyslogLevelPrefix",
    "SystemCallArchitectures",
    "SystemCallErrorNumber",
    "SystemCallFilter",
    "SystemCallLog",
    "TTYColumns",
    "TTYPath",
    "TTYReset",
    "TTYRows",
    "TTYVHangup",
    "TTYVTDisallocate",
    "TasksAccounting",
    "TasksMax",
    "TemporaryFileSystem",
    "TimeoutAbortSec",
    "TimeoutCleanSec",
    "TimeoutSec",
    "TimeoutStartFailureMode",
    "TimeoutStartSec",
    "TimeoutStopFailureMode",
    "TimeoutStopSec",
    "TimerSlackNSec",
    "Type",
    "UMask",
    "USBFunctionDescriptors",
    "USBFunctionStrings",
    "UnsetEnvironment",
    "User",
    "UtmpIdentifier",
    "UtmpMode",
    "WatchdogSec",
    "WatchdogSignal",
    "WorkingDirectory",
};

// The keys the check simulates; any other known key present is not_simulated.
constexpr std::string_view kSimulated[] = {
    "Type",
    "ExecStartPre",
    "ExecStart",
    "ExecStartPost",
    "ExecReload",
    "ExecStop",
    "PIDFile",
    "NotifyAccess",
    "KillMode",
    "KillSignal",
    "SendSIGKILL",
    "TimeoutSec",
    "TimeoutStartSec",
    "TimeoutStopSec",
    "WatchdogSec",
    "SuccessExitStatus",
    "User",
    "Group",
    "SupplementaryGroups",
    "WorkingDirectory",
    "RootDirectory",
    "UMask",
    "Environment",
    "EnvironmentFile",
    "PassEnvironment",
    "UnsetEnvironment",
    "LimitNOFILE",
    "LimitCORE",
    "StandardInput",
    "StandardOutput",
    "StandardError",
    "RuntimeDirectory",
    "GuessMainPID",
    "ReloadSignal",
};

bool contains(std::span<const std::string_view> list, std::string_view key) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

struct SignalName {
  std::string_view name;
  int number;
};
constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

// A whole decimal number in [0, max]; nullopt otherwise.
std::optional<uint64_t> parse_uint(std::string_view s, uint64_t max) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

struct Unit {
  std::string_view name;
  uint64_t usec;
};
// Longest names first, so that "min" is not read as "m" + "in".
constexpr Unit kTimeUnits[] = {
    {"seconds", 1'000'000},
    {"minutes", 60'000'000},
    {"months", 2'629'800'000'000},
    {"second", 1'000'000},
    {"minute", 60'000'000},
    {"month", 2'629'800'000'000},
    {"hours", 3'600'000'000},
    {"weeks", 604'800'000'000},
    {"years", 31'557'600'000'000},
    {"usec", 1},
    {"msec", 1000},
    {"hour", 3'600'000'000},
    {"days", 86'400'000'000},
    {"week", 604'800'000'000},
    {"year", 31'557'600'000'000},
    {"sec", 1'000'000},
    {"min", 60'000'000},
    {"day", 86'400'000'000},
    {"us", 1},
    {"\xc2\xb5s", 1},
    {"\xce\xbcs", 1},
    {"ms", 1000},
    {"hr", 3'600'000'000},
    {"s", 1'000'000},
    {"m", 60'000'000},
    {"h", 3'600'000'000},
    {"d", 86'400'000'000},
    {"w", 604'800'000'000},
    {"M", 2'629'800'000'000},
    {"y", 31'557'600'000'000},
};

}  // namespace

Result<uint64_t> parse_timespan(std::string_view text, uint64_t default_unit_usec) {
  auto bad = [&] { return Error{.detail = "invalid time span '" + excerpt(text) + "'"}; };
  std::string_view s = text;
  while (!s.empty() && is_whitespace(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_whitespace(s.back())) s.remove_suffix(1);
  if (s == "infinity") return kInfinity;
  if (s.empty()) return bad();
  long double total = 0;
  while (!s.empty()) {
    size_t digits = 0;
    while (digits < s.size() && ((s[digits] >= '0' && s[digits] <= '9') || s[digits] == '.')) {
      ++digits;
    }
    std::string_view number = s.substr(0, digits);
    if (number.empty() || number == "." || std::count(number.begin(), number.end(), '.') > 1 ||
        number.size() > 30) {
      return bad();
    }
    s.remove_prefix(digits);
    while (!s.empty() && is_whitespace(s.front())) s.remove_prefix(1);
    uint64_t unit = default_unit_usec;
    for (const Unit& u : kTimeUnits) {
      if (!s.starts_with(u.name)) continue;
      // A unit ends at a blank, a digit or the end ("1min30s" is fine, "1mine" is not).
      char next = s.size() > u.name.size() ? s[u.name.size()] : ' ';
      if (!is_whitespace(next) && !(next >= '0' && next <= '9')) continue;
      unit = u.usec;
      s.remove_prefix(u.name.size());
      break;
    }
    if (!s.empty() && !is_whitespace(s.front()) && !(s.front() >= '0' && s.front() <= '9'))
      return bad();
    total += std::strtold(std::string(number).c_str(), nullptr) * static_cast<long double>(unit);
    while (!s.empty() && is_whitespace(s.front())) s.remove_prefix(1);
  }
  if (!(total < 1.8e19L)) return bad();
  return static_cast<uint64_t>(total);
}

Result<int> parse_signal(std::string_view text) {
  auto bad = [&] { return Error{.detail = "invalid signal '" + excerpt(text) + "'"}; };
  if (std::optional<uint64_t> n = parse_uint(text, 64); n) {
    if (*n == 0) return bad();
    return static_cast<int>(*n);
  }
  std::string_view name = text;
  if (name.starts_with("SIG")) name.remove_prefix(3);
  for (const SignalName& s : kSignals) {
    if (s.name == name) return s.number;
  }
  for (std::string_view base : {"RTMIN", "RTMAX"}) {
    if (!name.starts_with(base)) continue;
    std::string_view rest = name.substr(base.size());
    int offset = 0;
    if (!rest.empty()) {
      bool plus = base == "RTMIN";
      if (rest.front() != (plus ? '+' : '-')) return bad();
      std::optional<uint64_t> n = parse_uint(rest.substr(1), 64);
      if (!n) return bad();
      offset = plus ? static_cast<int>(*n) : -static_cast<int>(*n);
    }
    int signo = (base == "RTMIN" ? SIGRTMIN : SIGRTMAX) + offset;
    if (signo < SIGRTMIN || signo > SIGRTMAX) return bad();
    return signo;
  }
  return bad();
}

Result<bool> parse_boolean(std::string_view text) {
  for (std::string_view yes : {"1", "yes", "y", "true", "t", "on"}) {
    if (text == yes) return true;
  }
  for (std::string_view no : {"0", "no", "n", "false", "f", "off"}) {
    if (text == no) return false;
  }
  return Error{.detail = "invalid boolean '" + excerpt(text) + "'"};
}

std::string_view type_name(ServiceType type) {
  constexpr std::array names{"simple", "exec", "forking", "oneshot", "notify", "notify-reload"};
  return names[static_cast<size_t>(type)];
}

std::string_view notify_access_name(NotifyAccess access) {
  constexpr std::array names{"none", "main", "exec", "all"};
  return names[static_cast<size_t>(access)];
}

std::string_view kill_mode_name(KillMode mode) {
  constexpr std::array names{"control-group", "mixed", "process", "none"};
  return names[static_cast<size_t>(mode)];
}

bool known_service_key(std::string_view key) {
  return contains(kKnownKeys, key);
}

namespace {

// Sizes of LimitCORE= and the like: bytes with an optional K, M, G, T, P, E
// suffix (powers of 1024), or "infinity".
std::optional<uint64_t> parse_size(std::string_view s) {
  if (s == "infinity") return kInfinity;
  uint64_t factor = 1;
  constexpr std::string_view kSuffixes = "KMGTPE";
  if (!s.empty()) {
    if (size_t k = kSuffixes.find(s.back()); k != std::string_view::npos) {
      factor = uint64_t{1} << (10 * (k + 1));
      s.remove_suffix(1);
    } else if (s.back() == 'B') {
      s.remove_suffix(1);
    }
  }
  std::optional<uint64_t> n = parse_uint(s, kInfinity / factor);
  if (!n) return std::nullopt;
  return *n * factor;
}

// "N" (both limits) or "SOFT:HARD", each a number or "infinity".
std::optional<Rlimit> parse_rlimit(std::string_view s, bool sizes) {
  auto one = [&](std::string_view v) -> std::optional<uint64_t> {
    if (v == "infinity") return kInfinity;
    return sizes ? parse_size(v) : parse_uint(v, kInfinity - 1);
  };
  size_t colon = s.find(':');
  std::optional<uint64_t> soft = one(s.substr(0, colon));
  std::optional<uint64_t> hard = colon == std::string_view::npos ? soft : one(s.substr(colon + 1));
  if (!soft || !hard || *soft > *hard) return std::nullopt;
  return Rlimit{*soft, *hard};
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

// A user or group as systemd takes it: a name or a number, nothing that a
// passwd line could not hold.
bool valid_user_name(std::string_view name) {
  if (name.empty() || name.size() > 256 || name[0] == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && c != ':' && c != '/' && c != 0x7f;
  });
}

bool relative_clean_path(std::string_view p) {
  if (p.empty() || p.starts_with('/')) return false;
  size_t pos = 0;
  while (pos <= p.size()) {
    size_t end = std::min(p.find('/', pos), p.size());
    std::string_view part = p.substr(pos, end - pos);
    if (part.empty() || part == "." || part == "..") return false;
    pos = end + 1;
  }
  return true;
}

std::optional<Stdio> parse_stdio(std::string_view v, bool input) {
  static constexpr std::string_view kInput[] = {"null", "tty",    "tty-force", "tty-fail",
                                                "data", "socket", "fd"};
  static constexpr std::string_view kOutput[] = {"inherit",      "null",   "tty",
                                                 "journal",      "kmsg",   "journal+console",
                                                 "kmsg+console", "socket", "fd"};
  std::span<const std::string_view> kinds = input ? std::span<const std::string_view>(kInput)
                                                  : std::span<const std::string_view>(kOutput);
  if (contains(kinds, v)) return Stdio{std::string(v), ""};
  if (!input && (v == "syslog" || v == "syslog+console")) {  // legacy names of journal
    return Stdio{v == "syslog" ? "journal" : "journal+console", ""};
  }
  if (v.starts_with("fd:") && v.size() > 3) return Stdio{"fd", std::string(v.substr(3))};
  for (std::string_view kind : {"file", "append", "truncate"}) {
    if (input && kind != "file") continue;
    std::string prefix = std::string(kind) + ":";
    if (v.starts_with(prefix) && v.size() > prefix.size() && v[prefix.size()] == '/') {
      return Stdio{std::string(kind), std::string(v.substr(prefix.size()))};
    }
  }
  return std::nullopt;
}

// Resolves one section's assignments in order, as systemd applies them.
class Resolver {
 public:
  Resolver(const UnitFile& unit, const SpecifierHost& host, ServiceConfig& config)
      : unit_(unit), host_(host), c_(config) {}

  void apply(const Assignment& a) {
    a_ = &a;
    if (!known_service_key(a.key)) {
      return ignore("unknown key " + excerpt(a.key) + "= in [Service], ignored");
    }
    if (a.key == "MountAPIVFS") {
      // Read for NOTIFY_SOCKET under RootDirectory=; still listed as not simulated.
      Result<bool> b = parse_boolean(a.value);
      c_.mount_api_vfs = b ? std::optional<bool>(*b) : std::nullopt;
    }
    if (!contains(kSimulated, a.key)) {
      if (std::find(c_.not_simulated.begin(), c_.not_simulated.end(), a.key) ==
          c_.not_simulated.end()) {
        c_.not_simulated.push_back(a.key);
      }
      return;
    }
    if (a.key == "Type") return type(a.value);
    if (a.key.starts_with("Exec")) return exec(a.key, a.value);
    if (a.key.starts_with("Timeout") || a.key == "WatchdogSec") return timeout(a.key, a.value);
    if (a.key.starts_with("Standard")) return stdio(a.key, a.value);
    if (a.key.starts_with("Limit")) return limit(a.key, a.value);
    if (a.key == "KillMode") return kill_mode(a.value);
    if (a.key == "NotifyAccess") return notify_access(a.value);
    if (a.key == "KillSignal" || a.key == "ReloadSignal") return signal(a.key, a.value);
    if (a.key == "SendSIGKILL" || a.key == "GuessMainPID") return boolean(a.key, a.value);
    if (a.key == "SuccessExitStatus") return success_status(a.value);
    if (a.key == "UMask") return umask(a.value);
    return string_setting(a.key, a.value);
  }

  bool timeout_start_set = false;
  bool notify_access_set = false;

 private:
  void ignore(std::string message) {
    c_.findings.push_back({Severity::ignored, a_->file, a_->line, std::move(message)});
  }
  void fatal(std::string message) {
    c_.findings.push_back({Severity::fatal, a_->file, a_->line, std::move(message)});
  }
  void bad_value(std::string_view what) {
    ignore("invalid " + std::string(what) + " '" + excerpt(a_->value) + "' in " + a_->key +
           "=, ignored");
  }

  std::optional<std::string> specified(std::string_view value) {
    Result<std::string> r = resolve_specifiers(value, unit_.name, host_);
    if (r) return *r;
    ignore(a_->key + "=: " + r.error().message() + ", ignored");
    return std::nullopt;
  }

  void type(std::string_view v) {
    static constexpr std::pair<std::string_view, ServiceType> kTypes[] = {
        {"simple", ServiceType::simple},   {"exec", ServiceType::exec},
        {"forking", ServiceType::forking}, {"oneshot", ServiceType::oneshot},
        {"notify", ServiceType::notify},   {"notify-reload", ServiceType::notify_reload},
        {"idle", ServiceType::simple},
    };
    if (v == "dbus") {
      dbus_ = true;
      return;
    }
    for (const auto& [name, type] : kTypes) {
      if (v != name) continue;
      c_.type = type;
      c_.type_was_idle = v == "idle";
      dbus_ = false;
      type_set_ = true;
      return;
    }
    bad_value("service type");
  }

  void exec(const std::string& key, std::string_view raw) {
    std::vector<ExecCommand>* list = key == "ExecStartPre"    ? &c_.exec_start_pre
                                     : key == "ExecStart"     ? &c_.exec_start
                                     : key == "ExecStartPost" ? &c_.exec_start_post
                                     : key == "ExecReload"    ? &c_.exec_reload
                                                              : &c_.exec_stop;
    if (raw.empty()) return list->clear();
    std::optional<std::string> value = specified(raw);
    if (!value) return;
    Result<std::vector<ExecCommand>> commands = parse_exec_value(*value);
    if (!commands) {
      // systemd refuses the unit on a bad command line ("bad-setting"), unless "-" says to ignore
      // it.
      std::string message = key + "=: " + commands.error().message();
      return raw.starts_with('-') ? ignore(message + ", ignored") : fatal(message);
    }
    list->insert(list->end(), commands->begin(), commands->end());
  }

  void timeout(const std::string& key, std::string_view v) {
    Result<uint64_t> usec = parse_timespan(v);
    if (!usec) return bad_value("time span");
    if (key == "WatchdogSec") {
      c_.watchdog_usec = *usec == kInfinity ? 0 : *usec;
      return;
    }
    uint64_t timeout = *usec == 0 ? kInfinity : *usec;  // 0 turns the timeout off
    if (key != "TimeoutStopSec") c_.timeout_start_usec = timeout, timeout_start_set = true;
    if (key != "TimeoutStartSec") c_.timeout_stop_usec = timeout;
  }

  void stdio(const std::string& key, std::string_view raw) {
    std::optional<std::string> v = specified(raw);
    if (!v) return;
    std::optional<Stdio> s = parse_stdio(*v, key == "StandardInput");
    if (!s) return bad_value("stream");
    (key == "StandardInput"    ? c_.standard_input
     : key == "StandardOutput" ? c_.standard_output
                               : c_.standard_error) = *s;
  }

  void limit(const std::string& key, std::string_view v) {
    std::optional<Rlimit> r = parse_rlimit(v, key == "LimitCORE");
    if (!r) return bad_value("limit");
    if (key == "LimitCORE") {
      c_.limit_core = *r;
    } else {
      c_.limit_nofile = *r;
    }
  }

  void kill_mode(std::string_view v) {
    for (KillMode m :
         {KillMode::control_group, KillMode::mixed, KillMode::process, KillMode::none}) {
      if (v == kill_mode_name(m)) {
        c_.kill_mode = m;
        return;
      }
    }
    bad_value("kill mode");
  }

  void notify_access(std::string_view v) {
    for (NotifyAccess n :
         {NotifyAccess::none, NotifyAccess::main, NotifyAccess::exec, NotifyAccess::all}) {
      if (v == notify_access_name(n)) {
        c_.notify_access = n;
        notify_access_set = true;
        return;
      }
    }
    bad_value("notify access");
  }

  void signal(const std::string& key, std::string_view v) {
    Result<int> signo = parse_signal(v);
    if (!signo) return bad_value("signal");
    (key == "KillSignal" ? c_.kill_signal : c_.reload_signal) = *signo;
  }

  void boolean(const std::string& key, std::string_view v) {
    Result<bool> b = parse_boolean(v);
    if (!b) return bad_value("boolean");
    (key == "SendSIGKILL" ? c_.send_sigkill : c_.guess_main_pid) = *b;
  }

  void success_status(std::string_view v) {
    if (v.empty()) {
      c_.success_exit_status.clear();
      c_.success_signals.clear();
      return;
    }
    Result<std::vector<std::string>> words = split_words(v);
    if (!words) return bad_value("exit status list");
    for (const std::string& w : *words) {
      if (std::optional<uint64_t> n = parse_uint(w, 255); n) {
        c_.success_exit_status.push_back(static_cast<int>(*n));
      } else if (Result<int> s = parse_signal(w); s && !(w[0] >= '0' && w[0] <= '9')) {
        c_.success_signals.push_back(*s);
      } else {
        ignore("invalid exit status '" + excerpt(w) + "' in SuccessExitStatus=, ignored");
      }
    }
  }

  void umask(std::string_view v) {
    unsigned mask = 0;
    if (v.empty() || v.size() > 4) return bad_value("umask");
    for (char ch : v) {
      if (ch < '0' || ch > '7') return bad_value("umask");
      mask = mask * 8 + static_cast<unsigned>(ch - '0');
    }
    if (mask > 0777) return bad_value("umask");
    c_.umask = mask;
  }

  void string_setting(const std::string& key, std::string_view raw) {
    std::optional<std::string> v = specified(raw);
    if (!v) return;
    if (key == "User" || key == "Group") return user_or_group(key, *v);
    if (key == "PIDFile") return pid_file(*v);
    if (key == "WorkingDirectory") return working_directory(*v);
    if (key == "RootDirectory") {
      if (!v->empty() && !v->starts_with('/')) return bad_value("path");
      c_.root_directory = *v;
      return;
    }
    if (key == "EnvironmentFile") return environment_file(*v);
    word_list(key, *v);
  }

  void user_or_group(const std::string& key, const std::string& v) {
    if (!v.empty() && !valid_user_name(v)) return bad_value(key == "User" ? "user" : "group");
    (key == "User" ? c_.user : c_.group) = v;
  }

  void pid_file(std::string v) {
    if (v.empty()) return c_.pid_file.reset();
    if (!v.starts_with('/')) return bad_value("absolute path");
    if (v.starts_with("/var/run/")) {
      v = "/run/" + v.substr(9);
      ignore("PIDFile= below the legacy /var/run, read as " + excerpt(v));
    }
    c_.pid_file = v;
  }

  void working_directory(std::string_view v) {
    WorkingDirectory dir;
    if (v.starts_with('-')) {
      dir.optional = true;
      v.remove_prefix(1);
    }
    if (v.empty()) {
      c_.working_directory = WorkingDirectory{};
      return;
    }
    if (v != "~" && !v.starts_with('/')) return bad_value("working directory");
    dir.path = std::string(v);
    c_.working_directory = dir;
  }

  void environment_file(std::string_view v) {
    if (v.empty()) return c_.environment_files.clear();
    EnvironmentFile file;
    if (v.starts_with('-')) {
      file.optional = true;
      v.remove_prefix(1);
    }
    if (!v.starts_with('/')) return bad_value("absolute path");
    file.path = std::string(v);
    c_.environment_files.push_back(file);
  }

  // Environment=, PassEnvironment=, UnsetEnvironment=, SupplementaryGroups=,
  // RuntimeDirectory=: whitespace-separated words; empty resets.
  void word_list(const std::string& key, std::string_view v) {
    std::vector<std::string>* list = key == "PassEnvironment"       ? &c_.pass_environment
                                     : key == "UnsetEnvironment"    ? &c_.unset_environment
                                     : key == "SupplementaryGroups" ? &c_.supplementary_groups
                                     : key == "RuntimeDirectory"    ? &c_.runtime_directory
                                                                    : nullptr;
    if (v.empty()) {
      if (list) return list->clear();
      return c_.environment.clear();
    }
    Result<std::vector<std::string>> words = split_words(v);
    if (!words) return ignore(key + "=: " + words.error().message() + ", ignored");
    for (std::string& w : *words) {
      if (!list) {
        size_t eq = w.find('=');
        if (eq == std::string::npos || !valid_env_name(std::string_view(w).substr(0, eq))) {
          ignore("invalid assignment '" + excerpt(w) + "' in Environment=, ignored");
          continue;
        }
        c_.environment.emplace_back(w.substr(0, eq), w.substr(eq + 1));
      } else if (key == "RuntimeDirectory"      ? !relative_clean_path(w)
                 : key == "SupplementaryGroups" ? !valid_user_name(w)
                 : key == "PassEnvironment"
                     ? !valid_env_name(w)
                     : !(valid_env_name(w) || valid_env_name(w.substr(0, w.find('='))))) {
        ignore("invalid entry '" + excerpt(w) + "' in " + key + "=, ignored");
      } else {
        list->push_back(std::move(w));
      }
    }
  }

 public:
  bool dbus_ = false;
  bool type_set_ = false;

 private:
  const UnitFile& unit_;
  const SpecifierHost& host_;
  ServiceConfig& c_;
  const Assignment* a_ = nullptr;
};

}  // namespace

Result<ServiceConfig> resolve_service(const UnitFile& unit, const SpecifierHost& host) {
  ServiceConfig c;
  c.findings = unit.findings;
  Resolver resolver(unit, host, c);
  bool bus_name = false;
  for (const Assignment& a : unit.assignments) {
    if (a.section != "Service") continue;
    bus_name = bus_name || (a.key == "BusName" && !a.value.empty());
    resolver.apply(a);
  }
  // systemd: with BusName= and no Type=, the type is dbus.
  if (resolver.dbus_ || (bus_name && !resolver.type_set_)) {
    return Error{
        .detail = "Type=dbus is not simulated (the check has no D-Bus broker to watch the name)"};
  }
  if (!resolver.type_set_ && c.exec_start.empty()) c.type = ServiceType::oneshot;
  if (c.type == ServiceType::oneshot && !resolver.timeout_start_set)
    c.timeout_start_usec = kInfinity;
  bool notify_type = c.type == ServiceType::notify || c.type == ServiceType::notify_reload;
  if (!resolver.notify_access_set && (notify_type || c.watchdog_usec > 0)) {
    c.notify_access = NotifyAccess::main;
  }
  if (c.exec_start.empty()) {
    c.findings.push_back({Severity::fatal, unit.path.string(), 0, "the unit has no ExecStart="});
  } else if (c.exec_start.size() > 1 && c.type != ServiceType::oneshot) {
    c.findings.push_back({Severity::fatal, unit.path.string(), 0,
                          "more than one ExecStart=, which only Type=oneshot allows"});
  }
  return c;
}

}  // namespace dc::unit
