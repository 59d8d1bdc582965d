// See service_run.h. The order is systemd's for one start of a unit:
// ExecStartPre=, ExecStart=, the start job's end by Type=, ExecStartPost=;
// then what the check adds: the main process observed, the watchdog
// counted, a reload, and the stop as KillMode= says.
#include "probe/service_run.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>

#include "common/signals.h"
#include "common/text.h"
#include "launch/cleanup.h"
#include "launch/launcher.h"
#include "launch/signal_guard.h"
#include "launch/tracked.h"
#include "observe/observe.h"
#include "observe/process_tree.h"
#include "observe/reaper.h"
#include "observe/settle.h"
#include "parse/proc_parse.h"
#include "sys/fileio.h"
#include "sys/path.h"
#include "sys/proc.h"
#include "unit/environment_file.h"
#include "unit/made_up.h"
#include "unit/unit_file.h"

extern char** environ;

namespace dc {
namespace {

using unit::ServiceType;

constexpr const char* kSystemdPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin";
constexpr size_t kEnvironmentFileLimit = 1 << 20;
// How often a pidfile is read again when no inotify instance can be made.
constexpr double kPidfileLookMs = 10;
// --dirty: the sysv launch's odd umask (launcher.h's default plan).
constexpr unsigned kDirtyUmask = 047;
// Relaunches a check may make: one for the SIGHUP probe (the reload ended the
// service), one for the stop (the SIGHUP probe ended it).
constexpr size_t kMaxServiceRelaunches = 2;
// How long what is left of an ended instance gets after SIGTERM before SIGKILL.
constexpr double kLeftoverGraceMs = 200;
// Where systemd puts its notify socket inside RootDirectory= (namespace.c
// binds it there; exec_get_private_notify_socket_path() names it).
constexpr const char* kRootNotifySocket = "/run/host/notify";

// --- reading the unit -------------------------------------------------------

unit::SpecifierHost specifier_host() {
  unit::SpecifierHost h;
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0) h.hostname = name;
  auto first_line = [](const char* path) {
    auto t = sys::read_file(path, 128);
    std::string s = t ? *t : "";
    return s.substr(0, s.find('\n'));
  };
  h.machine_id = first_line("/etc/machine-id");
  std::string boot = first_line("/proc/sys/kernel/random/boot_id");
  boot.erase(std::remove(boot.begin(), boot.end(), '-'), boot.end());
  h.boot_id = boot;
  utsname u{};
  if (::uname(&u) == 0) h.kernel_release = u.release;
  return h;
}

Result<unit::UnitFile> read_made_up(const ServiceRequest& rq) {
  unit::UnitFile u;
  u.name = *unit::split_unit_name(unit::kMadeUpUnitName);
  unit::parse_unit_text(rq.made_up_text, "", u.assignments, u.findings);
  return u;
}

Result<unit::UnitFile> read_given(const ServiceRequest& rq) {
  struct stat st {};
  if (::stat(rq.unit_path.c_str(), &st) != 0)
    return Error{"cannot read the unit", rq.unit_path, errno, {}};
  if (S_ISDIR(st.st_mode)) return Error{"cannot read the unit", rq.unit_path, 0, "is a directory"};
  UniqueFd fd(::open(rq.unit_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Error{"cannot read the unit", rq.unit_path, errno, {}};
  return unit::read_unit(rq.unit_path, rq.instance);
}

// The program of ExecStart=, as systemd finds it: absolute, or a bare name
// looked up in its fixed search path; with RootDirectory=, inside that root
// (the service is chroot()ed there before execve()). The path found is the
// one inside the root.
void find_program(const unit::ExecCommand& cmd, LoadedUnit& u) {
  UnitFacts& f = u.facts;
  const std::string& root = u.config.root_directory;
  const std::string on_host = root.empty() || root == "/" ? "" : root;
  f.exec_start_absolute = cmd.path.starts_with('/');
  std::string found = cmd.path;
  if (cmd.needs_search() && cmd.path.find('/') == std::string::npos) {
    std::string_view dirs = unit::kExecSearchPath;
    while (!dirs.empty()) {
      const size_t colon = dirs.find(':');
      std::string candidate = std::string(dirs.substr(0, colon)) + "/" + cmd.path;
      if (::access((on_host + candidate).c_str(), F_OK) == 0) {
        found = candidate;
        break;
      }
      dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    }
  }
  struct stat st {};
  const std::string host_path = on_host + found;
  f.exec_start_program = found;
  f.exec_start_exists = found.starts_with('/') && ::stat(host_path.c_str(), &st) == 0;
  f.exec_start_executable =
      f.exec_start_exists && !S_ISDIR(st.st_mode) && ::access(host_path.c_str(), X_OK) == 0;
  if (found.starts_with('/')) u.program = found;
  const std::string where = f.file.empty() ? "ExecStart=" : f.file + ": ExecStart=";
  const std::string in_root = on_host.empty() ? "" : " inside RootDirectory=" + root;
  if (!found.starts_with('/'))
    f.findings.push_back(where + ": the program '" + unit::excerpt(cmd.path) +
                         "' is neither absolute nor found in systemd's search path" + in_root);
  else if (!f.exec_start_exists)
    f.findings.push_back(where + ": the program " + found + " does not exist" + in_root);
  else if (!f.exec_start_executable)
    f.findings.push_back(where + ": the program " + found + " is not executable" + in_root);
}

// A numeric User= or Group=: digits only, and a value that fits a uid_t
// (systemd's parse_uid); nullopt for anything else.
std::optional<uint32_t> numeric_id(const std::string& text) {
  uint32_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || !::isdigit(static_cast<unsigned char>(text[0])) || ec != std::errc() ||
      end != text.data() + text.size())
    return std::nullopt;
  return id;
}

void lookup_credentials(LoadedUnit& u) {
  const unit::ServiceConfig& c = u.config;
  if (!c.user.empty()) {
    const passwd* pw = ::getpwnam(c.user.c_str());
    if (auto id = numeric_id(c.user); !pw && id) pw = ::getpwuid(*id);
    if (!pw) {
      u.facts.unresolved.push_back("User=" + c.user + ": no such user");
    } else {
      u.uid = pw->pw_uid;
      u.gid = pw->pw_gid;
      u.home = pw->pw_dir;
      u.shell = pw->pw_shell;
    }
  }
  auto group_of = [&](const std::string& name) -> std::optional<unsigned> {
    const group* gr = ::getgrnam(name.c_str());
    if (auto id = numeric_id(name); !gr && id) gr = ::getgrgid(*id);
    if (gr) return gr->gr_gid;
    return std::nullopt;
  };
  if (!c.group.empty()) {
    if (auto g = group_of(c.group))
      u.gid = *g;
    else
      u.facts.unresolved.push_back("Group=" + c.group + ": no such group");
  }
  for (const auto& name : c.supplementary_groups) {
    if (auto g = group_of(name))
      u.groups.push_back(*g);
    else
      u.facts.unresolved.push_back("SupplementaryGroups=" + name + ": no such group");
  }
  if (u.uid && u.gid && c.supplementary_groups.empty()) {
    // systemd gives a User= its groups from /etc/group (initgroups).
    int n = 64;
    std::vector<gid_t> gs(static_cast<size_t>(n));
    if (::getgrouplist(c.user.c_str(), *u.gid, gs.data(), &n) >= 0)
      u.groups.assign(gs.begin(), gs.begin() + n);
  }
  if (u.home.empty()) {
    u.home = "/root";
    u.shell = "/bin/sh";
  }
}

void read_environment_files(LoadedUnit& u) {
  for (const auto& ef : u.config.environment_files) {
    auto text = unit::read_text_file(ef.path, kEnvironmentFileLimit);
    if (!text) {
      if (!ef.optional) u.missing_environment_files.push_back(ef.path);
      continue;
    }
    auto parsed = unit::parse_environment_file(*text, ef.path);
    for (auto& kv : parsed.assignments) u.file_environment.push_back(std::move(kv));
    for (const auto& finding : parsed.findings) u.facts.findings.push_back(describe(finding));
  }
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    const size_t eq = kv.find('=');
    if (eq != std::string_view::npos)
      u.manager_environment.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
}

std::string join(const std::vector<std::string>& v, const char* sep = " ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string command_text(const unit::ExecCommand& c) {
  std::string out = c.ignore_failure ? "-" : "";
  if (c.privileges == unit::Privileges::full) out += "+";
  if (c.privileges == unit::Privileges::no_setuid) out += "!";
  if (c.privileges == unit::Privileges::ambient) out += "!!";
  return out + join(c.argv);
}

std::string usec_text(uint64_t usec) {
  if (usec == unit::kInfinity) return "infinity";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%gs", static_cast<double>(usec) / 1e6);
  return buf;
}

// The resolved settings, as text, for the scorecard.
void record_settings(const LoadedUnit& u, UnitFacts& f) {
  const unit::ServiceConfig& c = u.config;
  auto add = [&](std::string k, std::string v) {
    f.settings.emplace_back(std::move(k), std::move(v));
  };
  add("Type", f.type);
  for (const auto* list :
       {&c.exec_start_pre, &c.exec_start, &c.exec_start_post, &c.exec_reload, &c.exec_stop}) {
    const char* key = list == &c.exec_start_pre    ? "ExecStartPre"
                      : list == &c.exec_start      ? "ExecStart"
                      : list == &c.exec_start_post ? "ExecStartPost"
                      : list == &c.exec_reload     ? "ExecReload"
                                                   : "ExecStop";
    for (const auto& cmd : *list) add(key, command_text(cmd));
  }
  if (c.pid_file) add("PIDFile", *c.pid_file);
  add("NotifyAccess", f.notify_access);
  add("KillMode", f.kill_mode);
  add("KillSignal", signal_name(c.kill_signal));
  add("SendSIGKILL", c.send_sigkill ? "yes" : "no");
  add("TimeoutStartSec", usec_text(c.timeout_start_usec));
  add("TimeoutStopSec", usec_text(c.timeout_stop_usec));
  if (c.watchdog_usec) add("WatchdogSec", usec_text(c.watchdog_usec));
  add("User", c.user.empty() ? "root" : c.user);
  add("Group", c.group.empty() ? (c.user.empty() ? "root" : "(the user's)") : c.group);
  if (!c.supplementary_groups.empty()) add("SupplementaryGroups", join(c.supplementary_groups));
  add("WorkingDirectory", (c.working_directory.optional ? "-" : "") + c.working_directory.path);
  if (!c.root_directory.empty()) add("RootDirectory", c.root_directory);
  add("UMask", octal(c.umask));
  std::vector<std::string> env;
  for (const auto& [k, v] : c.environment) env.push_back(k + "=" + v);
  if (!env.empty()) add("Environment", join(env));
  for (const auto& ef : c.environment_files)
    add("EnvironmentFile", (ef.optional ? "-" : "") + ef.path);
  if (!c.pass_environment.empty()) add("PassEnvironment", join(c.pass_environment));
  if (!c.unset_environment.empty()) add("UnsetEnvironment", join(c.unset_environment));
  add("LimitNOFILE",
      std::to_string(c.limit_nofile.soft) + ":" + std::to_string(c.limit_nofile.hard));
  if (c.limit_core)
    add("LimitCORE", std::to_string(c.limit_core->soft) + ":" + std::to_string(c.limit_core->hard));
  add("StandardInput", f.standard_input);
  add("StandardOutput", f.standard_output);
  add("StandardError", f.standard_error);
  if (!c.runtime_directory.empty()) add("RuntimeDirectory", join(c.runtime_directory));
  add("GuessMainPID", c.guess_main_pid ? "yes" : "no");
  if (c.type == ServiceType::notify_reload) add("ReloadSignal", signal_name(c.reload_signal));
}

std::string stdio_text(const unit::Stdio& s) {
  return s.path.empty() ? s.kind : s.kind + ":" + s.path;
}

void fill_facts(LoadedUnit& u, const unit::UnitFile& file, const ServiceRequest& rq) {
  const unit::ServiceConfig& c = u.config;
  UnitFacts& f = u.facts;
  f.made_up = rq.unit_path.empty();
  f.file = rq.unit_path;
  for (const auto& d : file.dropins) f.dropins.push_back(d.string());
  f.name = file.name.full;
  for (const auto& finding : c.findings) f.findings.push_back(unit::describe(finding));
  f.fatal = unit::has_fatal(c.findings);
  f.exec_start_count = static_cast<int>(c.exec_start.size());
  f.type = std::string(unit::type_name(c.type));
  f.type_was_idle = c.type_was_idle;
  f.notify_access = std::string(unit::notify_access_name(c.notify_access));
  f.kill_mode = std::string(unit::kill_mode_name(c.kill_mode));
  f.kill_signal = c.kill_signal;
  f.reload_signal = c.reload_signal;
  f.send_sigkill = c.send_sigkill;
  auto seconds = [](uint64_t usec, double cap) {
    return usec == unit::kInfinity ? cap : std::min(cap, static_cast<double>(usec) / 1e6);
  };
  f.timeout_start_s = seconds(c.timeout_start_usec, rq.start_timeout_s);
  f.timeout_stop_s = seconds(c.timeout_stop_usec, rq.stop_timeout_s);
  f.watchdog_usec = c.watchdog_usec;
  f.watchdog_usec_used = c.watchdog_usec ? std::min(c.watchdog_usec, rq.watchdog_cap_usec) : 0;
  f.pid_file = c.pid_file;
  f.guess_main_pid = c.guess_main_pid;
  f.success_exit_status = c.success_exit_status;
  f.success_signals = c.success_signals;
  f.standard_input = stdio_text(c.standard_input);
  f.standard_output = stdio_text(c.standard_output);
  f.standard_error = stdio_text(c.standard_error);
  f.has_exec_reload = !c.exec_reload.empty();
  f.has_exec_stop = !c.exec_stop.empty();
  f.not_simulated = c.not_simulated;
}

// Socket activation: the socket units the unit starts with it. Why the
// check cannot run the unit, if it cannot.
std::optional<std::string> load_sockets(const unit::UnitFile& file, LoadedUnit& u) {
  unit::SocketActivation act = unit::sockets_for(file, specifier_host());
  u.facts.socket_notes = std::move(act.notes);
  int fd = 3;
  for (auto& s : act.passed) {
    for (const auto& finding : s.findings)
      if (finding.severity == unit::Severity::fatal) return s.name + ": " + unit::describe(finding);
    for (const auto& l : s.listens) {
      if (std::string why = unit::listen_not_simulated(l); !why.empty())
        return s.name + ": " + l.key + "=" + l.address + ": " + why;
      u.facts.sockets.push_back({s.name, l.key + "=" + l.address, fd++, s.fd_name});
    }
    for (const auto& finding : s.findings) u.facts.findings.push_back(unit::describe(finding));
    for (const auto& key : s.not_simulated) u.facts.not_simulated.push_back(s.name + ": " + key);
    u.sockets.push_back(std::move(s));
  }
  return std::nullopt;
}

}  // namespace

Result<LoadedUnit> load_unit(const ServiceRequest& rq) {
  auto file = rq.unit_path.empty() ? read_made_up(rq) : read_given(rq);
  if (!file) return file.error();
  auto config = unit::resolve_service(*file, specifier_host());
  if (!config)
    return Error{"cannot check the unit", rq.unit_path.empty() ? "" : rq.unit_path, 0,
                 config.error().message()};
  LoadedUnit u;
  u.config = std::move(*config);
  fill_facts(u, *file, rq);
  if (!rq.unit_path.empty()) {
    if (auto e = load_sockets(*file, u)) return Error{"cannot check the unit", rq.unit_path, 0, *e};
  }
  if (!u.config.exec_start.empty()) find_program(u.config.exec_start.front(), u);
  lookup_credentials(u);
  read_environment_files(u);
  record_settings(u, u.facts);
  if (!u.facts.unresolved.empty() || !u.facts.exec_start_executable) u.facts.fatal = true;
  u.launchable = !u.facts.fatal && u.facts.exec_start_count >= 1;
  return u;
}

// --- running the service ----------------------------------------------------

namespace {

std::string random_hex32() {
  std::random_device rd;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
  return buf;
}

uint64_t monotonic_usec() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

// A notify message as the scorecard shows it: printable, newlines as "\n".
std::string printable(std::string_view text) {
  return escape_bytes(text.substr(0, 512), '\\');
}

std::optional<uint64_t> sig_cgt_of(pid_t pid) {
  auto text = sys::read_file("/proc/" + std::to_string(pid) + "/status", 8192);
  if (!text) return std::nullopt;
  auto st = observe::parse_status(*text);
  if (!st) return std::nullopt;
  return st->sig_cgt;
}

// The signals blocked in every thread of pid: such a signal stays pending
// until a signalfd or sigwait() takes it, and never meets its default
// action. nullopt when a thread's status cannot be read.
std::optional<uint64_t> sig_blk_in_every_thread(pid_t pid) {
  uint64_t all = ~uint64_t{0};
  const auto threads = sys::threads_of(pid);
  if (threads.empty()) return std::nullopt;
  for (pid_t tid : threads) {
    auto text =
        sys::read_file(sys::proc_path(pid, "task/" + std::to_string(tid) + "/status"), 8192);
    if (!text) return std::nullopt;
    auto st = observe::parse_status(*text);
    if (!st) return std::nullopt;
    all &= st->sig_blk;
  }
  return all;
}

// A process that has not called exec since its fork keeps its parent's
// address space layout: the same environment block at the same address, and
// the same executable. Its /proc environ is then that start-up block, which
// says nothing about the environment it holds now.
bool forked_copy_of_parent(pid_t pid) {
  auto stat_of = [](pid_t p) -> std::optional<observe::ProcStat> {
    auto text = sys::read_file(sys::proc_path(p, "stat"));
    if (!text) return std::nullopt;
    auto st = observe::parse_stat(*text);
    return st ? std::optional<observe::ProcStat>(*st) : std::nullopt;
  };
  auto child = stat_of(pid);
  if (!child || child->env_start == 0) return false;
  auto parent = stat_of(child->ppid);
  if (!parent || parent->env_start != child->env_start || parent->env_end != child->env_end)
    return false;
  std::error_code ec1, ec2;
  const auto exe = std::filesystem::read_symlink(sys::proc_path(pid, "exe"), ec1);
  const auto parent_exe = std::filesystem::read_symlink(sys::proc_path(child->ppid, "exe"), ec2);
  return !ec1 && !ec2 && exe == parent_exe;
}

bool environ_has(pid_t pid, std::string_view key) {
  auto text = sys::read_file("/proc/" + std::to_string(pid) + "/environ", 1 << 20);
  if (!text) return false;
  size_t start = 0;
  while (start < text->size()) {
    size_t end = text->find('\0', start);
    if (end == std::string::npos) end = text->size();
    std::string_view kv(text->data() + start, end - start);
    if (kv.starts_with(key) && kv.size() > key.size() && kv[key.size()] == '=') return true;
    start = end + 1;
  }
  return false;
}

class ServiceRun {
 public:
  ServiceRun(const LoadedUnit& u, const ServiceContext& ctx, Observation& o)
      : u_(u), c_(u.config), ctx_(ctx), o_(o), f_(o.service.emplace()), reaper_(Reaper::get()) {
    f_.unit = u.facts;
    f_.relaunches.reserve(kMaxServiceRelaunches);  // st_ and log_ point into it
    t0_ = reaper_.now_ms();
  }

  void run() {
    if (!u_.launchable) {
      st_->error = "";
      return;
    }
    if (auto e = prepare(); !e.empty()) {
      st_->error = e;
      return;
    }
    start_instance();
    observe_main();
    if (st_->result == "success") {
      watchdog();
      reload();
      sighup();
    } else {
      f_.watchdog.skipped = f_.reload.skipped = "the start did not succeed";
      o_.probes.sighup.skipped = "the start did not succeed";
    }
    stop();
    drain_notify();
    f_.journal = journal_.tail();
  }

 private:
  double rel(double ms) const { return ms - t0_; }
  std::vector<ExecRun>& execs() { return *execs_; }

  // One start of the unit, as systemd's: the start job, then for simple and
  // exec the watch that tells whether the program stayed in the foreground,
  // then what was running when start-up ended.
  void start_instance() {
    st_->ran = true;
    start();
    st_->ended_ms = rel(reaper_.now_ms());
    watch_foreground();
    record_survivors();
  }
  double start_deadline() const {
    return std::min(ctx_.deadline_ms, start_t_ + u_.facts.timeout_start_s * 1000);
  }
  bool notify_type() const {
    return c_.type == ServiceType::notify || c_.type == ServiceType::notify_reload;
  }

  // The journal's stand-in, NOTIFY_SOCKET, RuntimeDirectory=, the base
  // environment. "" on success, else why the start cannot be run.
  std::string prepare() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return std::string("socketpair: ") + std::strerror(errno);
    journal_.reset(sv[0]);
    service_stream_.reset(sv[1]);
    ::shutdown(sv[0], SHUT_WR);
    ::fcntl(sv[0], F_SETFL, O_NONBLOCK);
    journal_.start_draining();
    struct stat st {};
    if (::fstat(sv[1], &st) == 0)
      journal_stream_ = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    if (!open_tty()) return std::string("cannot open a pseudo-terminal: ") + std::strerror(errno);
    if (!open_notify()) return std::string("cannot make NOTIFY_SOCKET: ") + std::strerror(errno);
    notify_in_root();
    if (!make_runtime_directories()) return runtime_error_;
    if (std::string e = open_sockets(); !e.empty()) return e;
    invocation_id_ = random_hex32();
    if (ctx_.dirty && !plant())
      return std::string("cannot plant descriptors: ") + std::strerror(errno);
    return "";
  }

  // Socket activation (unit/socket_unit.h): each Listen*= of the socket
  // units, made as systemd's socket_open_fds() makes it, in the check's
  // private folders, and held open by the checker, as the socket unit holds
  // it, for every start of the service. "" on success, else why not.
  std::string open_sockets() {
    for (const auto& s : u_.sockets) {
      for (const auto& l : s.listens) {
        const std::string what = s.name + ": " + l.key + "=" + l.address + ": ";
        if (!ctx_.private_run)
          return what + "the check has no private /run, /tmp and /var/tmp to make it in";
        UniqueFd fd = make_listen(s, l);
        if (!fd.valid()) return what + std::strerror(errno);
        socket_paths_.push_back(l.address);
        sockets_.push_back(std::move(fd));
      }
    }
    return "";
  }

  static UniqueFd make_listen(const unit::SocketUnit& s, const unit::Listen& l) {
    // The folders above it, DirectoryMode=; never through a link.
    std::string partial;
    const std::string folder = l.address.substr(0, l.address.rfind('/'));
    for (size_t at = 1; at <= folder.size();) {
      const size_t slash = folder.find('/', at);
      partial = folder.substr(0, slash);
      if (::mkdir(partial.c_str(), s.directory_mode) != 0 && errno != EEXIST) return UniqueFd();
      struct stat st {};
      if (::lstat(partial.c_str(), &st) != 0) return UniqueFd();
      if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return UniqueFd();
      }
      at = slash == std::string::npos ? folder.size() + 1 : slash + 1;
    }
    UniqueFd fd;
    if (l.key == "ListenFIFO") {
      if (::mkfifo(l.address.c_str(), s.socket_mode) != 0) return UniqueFd();
      fd.reset(::open(l.address.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW));
    } else {
      const int type = l.key == "ListenStream"     ? SOCK_STREAM
                       : l.key == "ListenDatagram" ? SOCK_DGRAM
                                                   : SOCK_SEQPACKET;
      fd.reset(::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::memcpy(addr.sun_path, l.address.c_str(), l.address.size() + 1);
      if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return UniqueFd();
      if (type != SOCK_DGRAM && ::listen(fd.get(), s.backlog >= 0 ? s.backlog : SOMAXCONN) != 0)
        return UniqueFd();
    }
    if (!fd.valid() || ::chmod(l.address.c_str(), s.socket_mode) != 0) return UniqueFd();
    if (!s.socket_user.empty() || !s.socket_group.empty()) {
      const passwd* pw = s.socket_user.empty() ? nullptr : ::getpwnam(s.socket_user.c_str());
      const group* gr = s.socket_group.empty() ? nullptr : ::getgrnam(s.socket_group.c_str());
      if ((!s.socket_user.empty() && !pw) || (!s.socket_group.empty() && !gr)) {
        errno = ENOENT;
        return UniqueFd();
      }
      if (::lchown(l.address.c_str(), pw ? pw->pw_uid : static_cast<uid_t>(-1),
                   gr ? gr->gr_gid : static_cast<gid_t>(-1)) != 0)
        return UniqueFd();
    }
    return fd;
  }

  // --dirty: the sysv launch's two leaked descriptors (a regular file at 3,
  // a pipe's read end at 9; above the sockets with socket activation),
  // recorded as the sysv launch records them.
  int planted_file_fd() const { return 3 + static_cast<int>(sockets_.size()); }
  int planted_pipe_fd() const { return 9 + static_cast<int>(sockets_.size()); }
  bool plant() {
    const std::string path = ctx_.tmp + "/.daemoncheck-inherited";
    planted_file_.reset(
        ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    int pp[2];
    if (!planted_file_.valid() || ::pipe2(pp, O_CLOEXEC) != 0) return false;
    planted_pipe_.reset(pp[0]);
    planted_peer_.reset(pp[1]);
    struct stat st {};
    if (::fstat(planted_file_.get(), &st) == 0)
      o_.launch.planted_fds.push_back(
          PlantedFd{planted_file_fd(), "file", path, st.st_dev, st.st_ino});
    if (::fstat(planted_pipe_.get(), &st) == 0)
      o_.launch.planted_fds.push_back(PlantedFd{planted_pipe_fd(), "pipe",
                                                "pipe:[" + std::to_string(st.st_ino) + "]",
                                                st.st_dev, st.st_ino});
    return true;
  }

  bool wants_tty() const {
    for (const auto* s : {&c_.standard_input, &c_.standard_output, &c_.standard_error})
      if (s->kind.starts_with("tty")) return true;
    return ctx_.dirty;
  }

  bool open_tty() {
    if (!wants_tty()) return true;
    pty_master_.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!pty_master_.valid() || ::grantpt(pty_master_.get()) != 0 ||
        ::unlockpt(pty_master_.get()) != 0)
      return false;
    char name[128];
    if (::ptsname_r(pty_master_.get(), name, sizeof name) != 0) return false;
    pty_slave_.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!pty_slave_.valid()) return false;
    pty_master_.start_draining();
    return true;
  }

  bool open_notify() {
    const bool wanted = notify_type() || c_.notify_access != unit::NotifyAccess::none;
    if (!wanted) return true;
    notify_path_ = ctx_.tmp + "/notify";
    notify_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!notify_.valid()) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (notify_path_.size() >= sizeof addr.sun_path) {
      errno = ENAMETOOLONG;
      return false;
    }
    std::memcpy(addr.sun_path, notify_path_.c_str(), notify_path_.size() + 1);
    if (::bind(notify_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
    ::chmod(notify_path_.c_str(), 0777);
    int on = 1;
    ::setsockopt(notify_.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    return true;
  }

  bool has_root() const { return !c_.root_directory.empty() && c_.root_directory != "/"; }

  // RootDirectory=: NOTIFY_SOCKET, a path on the host, is out of the
  // service's reach once it is chroot()ed. systemd (MountAPIVFS=, implied by
  // RootDirectory=) mounts a fresh tmpfs on the root's /run, binds its notify
  // socket read-only at /run/host/notify in it, and gives that path as
  // NOTIFY_SOCKET to every command but a "+" one. The same mounts are made
  // here in the check's own mount namespace (private propagation): the
  // root's folder and the host never see them, and they end with the check.
  void notify_in_root() {
    // MountAPIVFS=no: no /run in the root, and the host's path is given.
    if (notify_path_.empty() || !has_root() || c_.mount_api_vfs == false) return;
    root_notify_path_ = kRootNotifySocket;
    const std::string run = c_.root_directory + "/run";
    auto cannot = [&](const std::string& why) {
      o_.notes.push_back("RootDirectory=: NOTIFY_SOCKET=" + root_notify_path_ +
                         " is not reachable inside " + c_.root_directory + ": " + why);
    };
    if (!ctx_.private_run)
      return cannot("the check has no mount namespace of its own to bind it in");
    // Never through a symbolic link: the root is the user's, /run in it
    // could point to the host's.
    UniqueFd dir(::open(run.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid())
      return cannot(run +
                    " is not a folder (systemd would make it; the check writes nothing in "
                    "the root)");
    const std::string at = "/proc/self/fd/" + std::to_string(dir.get());
    if (::mount("tmpfs", at.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=0755") !=
        0)
      return cannot(std::string("tmpfs on ") + run + ": " + std::strerror(errno));
    const std::string host = run + "/host", socket = host + "/notify";
    UniqueFd file;
    if (::mkdir(host.c_str(), 0755) == 0)
      file.reset(
          ::open(socket.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!file.valid() ||
        ::mount(notify_path_.c_str(), socket.c_str(), nullptr, MS_BIND, nullptr) != 0)
      return cannot(std::string("bind mount: ") + std::strerror(errno));
    // Read-only, as systemd binds it; connect() to a socket does not write the file system.
    ::mount(nullptr, socket.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr);
  }

  // RuntimeDirectory= under the check's private /run, owned by User=.
  bool make_runtime_directories() {
    for (const auto& name : c_.runtime_directory) {
      const std::string path = "/run/" + name;
      std::string partial = "/run";
      size_t at = 0;
      while (at != std::string::npos) {
        const size_t slash = name.find('/', at);
        partial += "/" + name.substr(at, slash == std::string::npos ? slash : slash - at);
        if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
          runtime_error_ =
              "RuntimeDirectory=" + name + ": mkdir " + partial + ": " + std::strerror(errno);
          return false;
        }
        at = slash == std::string::npos ? slash : slash + 1;
      }
      if (u_.uid && ::chown(path.c_str(), *u_.uid, u_.gid.value_or(0)) != 0) {
        runtime_error_ = "RuntimeDirectory=" + name + ": chown: " + std::strerror(errno);
        return false;
      }
      runtime_dirs_.push_back(path);
    }
    return true;
  }

  // systemd's environment for one command (exec_child's order): its own
  // variables, then Environment=, EnvironmentFile=, PassEnvironment=, less
  // UnsetEnvironment=. SYSTEMD_EXEC_PID and WATCHDOG_PID name the process itself.
  // A "+" command is not sandboxed (needs_sandboxing is false in
  // exec_invoke()): it gets the host's NOTIFY_SOCKET path, as under systemd.
  std::vector<std::pair<std::string, std::string>> environment(bool main, bool sandboxed = true,
                                                               bool gets_sockets = false) const {
    std::vector<std::pair<std::string, std::string>> env;
    auto set = [&](const std::string& k, const std::string& v) {
      for (auto& kv : env)
        if (kv.first == k) {
          kv.second = v;
          return;
        }
      env.emplace_back(k, v);
    };
    set("PATH", kSystemdPath);
    std::string lang = "C.UTF-8";
    for (const auto& [k, v] : u_.manager_environment)
      if (k == "LANG" && !v.empty()) lang = v;
    set("LANG", lang);
    set("INVOCATION_ID", invocation_id_);
    if (gets_sockets && !sockets_.empty()) {
      std::string names;
      for (const auto& sock : u_.facts.sockets) names += (names.empty() ? "" : ":") + sock.name;
      set("LISTEN_PID", "$$SELF");
      set("LISTEN_FDS", std::to_string(sockets_.size()));
      set("LISTEN_FDNAMES", names);
    }
    if (c_.standard_output.kind.starts_with("journal") ||
        c_.standard_error.kind.starts_with("journal") ||
        (c_.standard_error.kind == "inherit" && c_.standard_output.kind.starts_with("journal")))
      set("JOURNAL_STREAM", journal_stream_);
    if (!notify_path_.empty())
      set("NOTIFY_SOCKET",
          sandboxed && !root_notify_path_.empty() ? root_notify_path_ : notify_path_);
    if (main && f_.unit.watchdog_usec_used) {
      set("WATCHDOG_USEC", std::to_string(f_.unit.watchdog_usec_used));
      set("WATCHDOG_PID", "$$SELF");
    }
    if (!main && st_->main_pid > 0) set("MAINPID", std::to_string(st_->main_pid));
    if (!c_.user.empty()) {
      const passwd* pw = u_.uid ? ::getpwuid(*u_.uid) : nullptr;
      const std::string user = pw ? pw->pw_name : c_.user;
      set("USER", user);
      set("LOGNAME", user);
      set("HOME", u_.home);
      set("SHELL", u_.shell);
    }
    if (!runtime_dirs_.empty()) set("RUNTIME_DIRECTORY", join(runtime_dirs_, ":"));
    for (const auto& [k, v] : c_.environment) set(k, v);
    for (const auto& [k, v] : u_.file_environment) set(k, v);
    for (const auto& name : c_.pass_environment)
      for (const auto& [k, v] : u_.manager_environment)
        if (k == name) set(k, v);
    for (const auto& unset : c_.unset_environment) {
      const size_t eq = unset.find('=');
      std::erase_if(env, [&](const auto& kv) {
        return eq == std::string::npos ? kv.first == unset : kv.first + "=" + kv.second == unset;
      });
    }
    return env;
  }

  int stdio_fd(const unit::Stdio& s, int fallback, std::vector<UniqueFd>& opened) const {
    if (s.kind == "null") return -1;
    if (s.kind.starts_with("tty")) return pty_slave_.get();
    if (s.kind == "inherit") return fallback;
    if (s.kind == "file" || s.kind == "append" || s.kind == "truncate") {
      const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY |
                        (s.kind == "append"     ? O_APPEND
                         : s.kind == "truncate" ? O_TRUNC
                                                : 0);
      opened.emplace_back(::open(s.path.c_str(), flags, 0644));
      return opened.back().get();
    }
    return service_stream_.get();  // journal, kmsg, syslog, journal+console, ...
  }

  // Runs one command line: fork and exec as systemd would.
  ExecRun& spawn(const std::string& kind, const unit::ExecCommand& cmd, bool main,
                 std::optional<SpawnedService>* out = nullptr) {
    ExecRun& run = execs().emplace_back();
    run.kind = kind;
    run.ignore_failure = cmd.ignore_failure;
    auto env = environment(main, cmd.privileges != unit::Privileges::full, kind == "ExecStart");
    std::map<std::string, std::string> env_map(env.begin(), env.end());
    run.argv = unit::expand_argv(cmd, env_map);
    ServiceExecPlan plan;
    plan.argv = run.argv;
    plan.exec_path = cmd.path.starts_with('/') ? cmd.path : (main ? u_.program : cmd.path);
    if (!plan.exec_path.starts_with('/')) {
      run.exec_error = "the program is not an absolute path";
      run.exit_status = 203;
      run.ended_ms = rel(reaper_.now_ms());
      return run;
    }
    for (auto& [k, v] : env) plan.env.push_back(k + "=" + v);
    plan.exec_pid_var = true;
    plan.cwd = c_.working_directory.path == "~" ? u_.home : c_.working_directory.path;
    plan.cwd_optional = c_.working_directory.optional;
    plan.umask = ctx_.dirty ? kDirtyUmask : c_.umask;  // as a shell would leave it
    // "+" (full privileges) and "!" leave User=, Group= and
    // SupplementaryGroups= to the program; "!!" only does so where the
    // kernel lacks ambient capabilities, which Linux has had since 4.3.
    const bool own_credentials =
        cmd.privileges == unit::Privileges::full || cmd.privileges == unit::Privileges::no_setuid;
    if (!own_credentials) {
      plan.uid = u_.uid;
      plan.gid = u_.gid;
    }
    plan.root_directory = c_.root_directory;
    // Type=simple: systemd's start job is over once fork() succeeded.
    plan.wait_for_exec = !(main && kind == "ExecStart" && c_.type == ServiceType::simple);
    if (!own_credentials) plan.groups.assign(u_.groups.begin(), u_.groups.end());
    auto lim = [](uint64_t v) {
      return v == unit::kInfinity ? RLIM_INFINITY : static_cast<rlim_t>(v);
    };
    plan.nofile = {lim(c_.limit_nofile.soft), lim(c_.limit_nofile.hard)};
    if (c_.limit_core) plan.core = rlimit{lim(c_.limit_core->soft), lim(c_.limit_core->hard)};
    std::vector<UniqueFd> opened;
    plan.stdin_fd = c_.standard_input.kind.starts_with("tty") ||
                            (ctx_.dirty && c_.standard_input.kind == "null")
                        ? pty_slave_.get()
                        : -1;
    plan.stdin_is_tty = plan.stdin_fd >= 0;
    // Socket activation: every ExecStart= gets the sockets from 3 on
    // (systemd's EXEC_PASS_FDS), no other command does.
    if (kind == "ExecStart")
      for (size_t i = 0; i < sockets_.size(); ++i)
        plan.planted.emplace_back(3 + static_cast<int>(i), sockets_[i].get());
    if (ctx_.dirty) {
      plan.planted.emplace_back(planted_file_fd(), planted_file_.get());
      plan.planted.emplace_back(planted_pipe_fd(), planted_pipe_.get());
    }
    plan.stdout_fd = stdio_fd(c_.standard_output, plan.stdin_fd, opened);
    plan.stderr_fd = stdio_fd(c_.standard_error, plan.stdout_fd, opened);
    if (c_.standard_error.kind == "inherit") plan.stderr_fd = plan.stdout_fd;
    auto spawned = spawn_service(plan, ctx_.deadline_ms);
    if (!spawned) {
      run.exec_error = spawned.error().message();
      run.ended_ms = rel(reaper_.now_ms());
      return run;
    }
    run.pid = spawned->pid;
    run.started_ms = rel(spawned->started_ms);
    run.exec_error = spawned->exec_error;
    if (main && spawned->exec_ms >= 0) st_->exec_ms = rel(spawned->exec_ms);
    if (out)
      *out = std::move(*spawned);
    else
      pending_ = std::move(*spawned);
    return run;
  }

  // The exit of a process the checker reaps (its child, or an orphan
  // re-parented to it, PID 1), or a process it does not reap (then only that
  // it ended). Bounded by deadline; nullopt when still running.
  std::optional<ExitInfo> wait_exit(pid_t pid, int pidfd, double since_ms, double deadline) {
    auto reaped = [&]() -> std::optional<ExitInfo> {
      reaper_.reap_now();
      const auto& all = reaper_.reaped();
      for (auto it = all.rbegin(); it != all.rend(); ++it)
        if (it->pid == pid && it->at_ms >= since_ms) return *it;
      return std::nullopt;
    };
    for (;;) {
      drain_notify();
      if (auto e = reaped()) return e;
      const bool gone = pidfd >= 0 ? !pidfd_alive(pidfd) : !read_proc_entry(pid);
      if (gone) {
        if (auto e = reaped()) return e;
        ExitInfo e;  // not the checker's to reap: only that it ended
        e.pid = pid;
        e.at_ms = reaper_.now_ms();
        return e;
      }
      const int fds[] = {pidfd, notify_.get()};
      if (reaper_.wait(fds, deadline) == Reaper::kTimeout) return std::nullopt;
    }
  }

  // Runs a control command (ExecStartPre=, ExecStartPost=, ExecReload=,
  // ExecStop=) to its end, bounded; true when it succeeded or "-" says its
  // failure does not count.
  bool run_control(const std::string& kind, const unit::ExecCommand& cmd, double deadline) {
    std::optional<SpawnedService> sp;
    ExecRun& run = spawn(kind, cmd, false, &sp);
    const size_t index = static_cast<size_t>(&run - execs().data());
    if (!sp) return cmd.ignore_failure;
    auto e = wait_exit(sp->pid, sp->pidfd.get(), sp->started_ms, deadline);
    ExecRun& r = execs()[index];
    if (!e) {
      r.timed_out = true;
      send_signal(sp->pidfd.get(), SIGKILL);
      wait_exit(sp->pid, sp->pidfd.get(), sp->started_ms, reaper_.now_ms() + 1000);
      return false;
    }
    r.exit_status = e->exit_status;
    r.signal = e->signal;
    r.ended_ms = rel(e->at_ms);
    const bool ok = r.exec_error.empty() && e->exit_status && *e->exit_status == 0;
    return ok || cmd.ignore_failure;
  }

  // --- notify -------------------------------------------------------------

  bool in_service(pid_t pid) const { return pid > 1 && is_live_descendant(pid, ::getpid()); }

  // NotifyAccess= as systemd's service_notify_message_authorized() says it.
  std::string refusal(pid_t sender) const {
    const pid_t main = st_->main_pid;
    switch (c_.notify_access) {
      case unit::NotifyAccess::none:
        return "Got notification message from PID " + std::to_string(sender) +
               ", but reception is disabled";
      case unit::NotifyAccess::main:
        if (sender == main) return "";
        if (main <= 0)
          return "Got notification message from PID " + std::to_string(sender) +
                 ", but reception only permitted for main PID which is currently not known";
        return "Got notification message from PID " + std::to_string(sender) +
               ", but reception only permitted for main PID " + std::to_string(main);
      case unit::NotifyAccess::exec:
        if (sender == main || sender == control_pid_) return "";
        return "Got notification message from PID " + std::to_string(sender) +
               ", but reception only permitted for main PID and control PID";
      case unit::NotifyAccess::all:
        if (in_service(sender)) return "";
        return "Got notification message from PID " + std::to_string(sender) +
               ", but reception only permitted for processes of the unit";
    }
    return "";
  }

  void drain_notify() {
    if (!notify_.valid()) return;
    for (;;) {
      char buf[4096];
      alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * 16)];
      iovec iov{buf, sizeof buf};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = ctrl;
      msg.msg_controllen = sizeof ctrl;
      const ssize_t n = ::recvmsg(notify_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
      if (n < 0) return;
      pid_t sender = 0;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
          ucred cred{};
          std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
          sender = cred.pid;
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
          // FDSTORE= is not simulated: the descriptors are closed.
          const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
          for (size_t i = 0; i < count; ++i) {
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            ::close(fd);
          }
        }
      }
      take_message(sender, std::string_view(buf, static_cast<size_t>(n)));
    }
  }

  void take_message(pid_t sender, std::string_view text) {
    ServiceNotify& m = log_->emplace_back();
    const double now = reaper_.now_ms();
    m.at_ms = rel(now);
    m.sender = sender;
    m.text = printable(text);
    if (sender <= 0) {
      m.rejected_why = "Cannot find unit for notify message of PID 0 (no credentials)";
      return;
    }
    m.rejected_why = refusal(sender);
    m.accepted = m.rejected_why.empty();
    if (!m.accepted) return;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      assignment(text.substr(start, end - start), now);
      start = end + 1;
    }
  }

  void assignment(std::string_view line, double now) {
    if (line == "READY=1") {
      if (!st_->ready_ms) {
        st_->ready_ms = rel(now);
        if (auto cgt = sig_cgt_of(st_->main_pid)) st_->sig_cgt_at_ready = *cgt;
        if (auto blk = sig_blk_in_every_thread(st_->main_pid)) st_->sig_blk_at_ready = *blk;
      }
      if (reload_running_ && !f_.reload.ready_ms && f_.reload.reloading_ms)
        f_.reload.ready_ms = rel(now);
    } else if (line == "RELOADING=1") {
      if (reload_running_ && !f_.reload.reloading_ms) f_.reload.reloading_ms = rel(now);
      reloading_now_ = true;
    } else if (line.starts_with("MONOTONIC_USEC=")) {
      // systemd's safe_atou64(): digits only, and a value that fits (a
      // longer one is refused, never a reason to stop the check).
      uint64_t v = 0;
      const std::string_view digits = line.substr(15);
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (!digits.empty() && ec == std::errc() && end == digits.data() + digits.size())
        if (reload_running_ && !f_.reload.monotonic_usec) f_.reload.monotonic_usec = v;
    } else if (line == "STOPPING=1") {
      f_.stop.stopping_sent = true;
    } else if (line == "WATCHDOG=1") {
      f_.watchdog.pings_ms.push_back(rel(now));
    } else if (line.starts_with("MAINPID=")) {
      const std::string_view digits = line.substr(8);
      pid_t pid = 0;
      if (const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
          digits.empty() || !::isdigit(static_cast<unsigned char>(digits[0])) ||
          ec != std::errc() || end != digits.data() + digits.size())
        pid = 0;
      const bool valid = pid > 1 && in_service(pid);
      st_->mainpid_sent.emplace_back(pid, valid);
      if (valid) {
        st_->main_pid = pid;
        st_->main_pid_source = "MAINPID=";
        main_fd_ = open_descendant_pidfd(pid);
        main_since_ = 0;
      }
    }
  }

  // --- start ----------------------------------------------------------------

  void fail(const std::string& result) {
    if (st_->result.empty()) st_->result = result;
  }

  // How the ExecStart process's end reads as a start result.
  static std::string result_of(const ExitInfo& e) { return e.signal ? "signal" : "exit-code"; }

  bool clean_exit(const ExitInfo& e) const {
    if (e.exit_status) {
      return *e.exit_status == 0 || std::count(c_.success_exit_status.begin(),
                                               c_.success_exit_status.end(), *e.exit_status) > 0;
    }
    return false;
  }

  void start() {
    start_t_ = reaper_.now_ms();
    for (const auto& missing : u_.missing_environment_files) {
      (void)missing;
      fail("resources");
      return;
    }
    for (const auto& cmd : c_.exec_start_pre) {
      if (!run_control("ExecStartPre", cmd, start_deadline())) {
        fail(execs().back().timed_out ? "timeout" : "exit-code");
        return;
      }
    }
    if (c_.type == ServiceType::oneshot) return start_oneshot();
    std::optional<SpawnedService> sp;
    ExecRun& run = spawn("ExecStart", c_.exec_start.front(), true, &sp);
    const size_t index = static_cast<size_t>(&run - execs().data());
    if (!sp || !execs()[index].exec_error.empty()) {
      st_->exec_pid = execs()[index].pid;
      if (sp)
        finish_exec(index, wait_exit(sp->pid, sp->pidfd.get(), sp->started_ms, start_deadline()));
      fail("exit-code");
      return;
    }
    exec_ = std::move(*sp);
    exec_index_ = index;
    st_->exec_pid = exec_.pid;
    if (c_.type != ServiceType::forking) {
      st_->main_pid = exec_.pid;
      st_->main_pid_source = "exec";
      // The ExecStart process's own pidfd: it pins the process even when it
      // has already ended (open_descendant_pidfd() refuses a zombie).
      main_fd_.reset(::fcntl(exec_.pidfd.get(), F_DUPFD_CLOEXEC, 0));
      main_since_ = exec_.started_ms;
    }
    control_pid_ = exec_.pid;  // NotifyAccess=exec: the ExecStart process
    if (c_.type == ServiceType::forking)
      start_forking(index);
    else if (notify_type())
      start_notify(index);
    // simple and exec: the start job is over already (fork, or execve,
    // succeeded); ExecStartPost= runs now, as under systemd.
    if (!st_->result.empty()) return;
    for (const auto& cmd : c_.exec_start_post) {
      if (!run_control("ExecStartPost", cmd, start_deadline())) {
        fail(execs().back().timed_out ? "timeout" : "exit-code");
        return;
      }
    }
    st_->result = "success";
    if (c_.type == ServiceType::simple) confirm_exec();
  }

  // Type=simple: systemd did not wait for execve(). One that fails ends the
  // service at once (status 203/EXEC): the start job's success is then
  // worth nothing, and start-completes says so with systemd's "exit-code".
  void confirm_exec() {
    await_exec(exec_, start_deadline());
    if (exec_.exec_ms >= 0) st_->exec_ms = rel(exec_.exec_ms);
    if (exec_.exec_error.empty()) return;
    execs()[exec_index_].exec_error = exec_.exec_error;
    finish_exec(exec_index_,
                wait_exit(exec_.pid, exec_.pidfd.get(), exec_.started_ms, start_deadline()));
    st_->main_pid = 0;
    st_->result = "exit-code";
  }

  void finish_exec(size_t index, const std::optional<ExitInfo>& e) {
    if (!e) return;
    ExecRun& r = execs()[index];
    r.exit_status = e->exit_status;
    r.signal = e->signal;
    r.ended_ms = rel(e->at_ms);
    if (r.pid == st_->exec_pid) {
      st_->exec_exit_status = e->exit_status;
      st_->exec_signal = e->signal;
      st_->exec_ended_ms = rel(e->at_ms);
    }
  }

  // simple, exec, idle: the start job ended before the program did anything
  // of its own, so whether it stays in the foreground (type-matches-behaviour)
  // is watched on until an event decides it: the main process's end (its
  // pidfd), every process of the service at rest, or the main process busy
  // on a CPU. TimeoutStartSec= only bounds the watch. A process kept off the
  // CPU by a loaded machine is runnable, never at rest, so the decision does
  // not depend on the load.
  void watch_foreground() {
    if (c_.type == ServiceType::forking) return watch_pidfile_main();
    if (c_.type != ServiceType::simple && c_.type != ServiceType::exec) return;
    if (exec_.pid <= 0 || !exec_.exec_error.empty() || st_->exec_ended_ms >= 0) return;
    const double deadline = start_deadline();
    st_->watch_end = wait_decided(exec_.pidfd.get(), exec_.pid, deadline);
    st_->watched_until_ms = rel(reaper_.now_ms());
    drain_notify();
    if (st_->watch_end == "exited")
      finish_exec(exec_index_, wait_exit(exec_.pid, exec_.pidfd.get(), exec_.started_ms, deadline));
    // systemd: the main process is gone; a clean exit deactivates the unit,
    // anything else fails it. The start job itself succeeded.
    if (st_->exec_ended_ms >= 0) st_->main_pid = 0;
  }

  // Type=forking with PIDFile=: the start job ended when the file named the
  // main process, which may still be setting itself up (a pidfile written
  // before the descriptors are closed). What the check observes next is
  // looked at once an event decides it, as for simple and exec: the main
  // process's end, the service at rest, or the main process busy.
  void watch_pidfile_main() {
    if (!c_.pid_file || st_->main_pid_source != "pidfile" || !main_fd_.valid()) return;
    st_->watch_end = wait_decided(main_fd_.get(), st_->main_pid, start_deadline());
    st_->watched_until_ms = rel(reaper_.now_ms());
    drain_notify();
  }

  // Until the main process (pid, its pidfd) has "exited", or the service is
  // "at rest" (every process of it asleep with no signal pending where it is
  // not blocked, unchanged over two looks in a row), or "busy" (the main
  // process has had kBusyCpuMs of CPU time since the wait began and nothing
  // changed over the last look: CPU time, which does not pass for a process
  // kept waiting by a loaded machine; long enough for an interpreter's
  // imports before it daemonizes), or the "bound". Looks start kFirstLookMs
  // apart and double up to kLongestLookMs; each waits on the pidfd, so the
  // main process's end ends the wait at once.
  std::string wait_decided(int pidfd, pid_t pid, double deadline) {
    constexpr double kFirstLookMs = 0.1, kLongestLookMs = 5, kBusyCpuMs = 500;
    const uint64_t cpu0 = cpu_time_ns(pid);
    std::string prev;
    bool prev_at_rest = false;
    double look = kFirstLookMs;
    for (;;) {
      if (!pidfd_alive(pidfd)) return "exited";
      bool at_rest = true;
      const std::string fp = service_fingerprint(&at_rest);
      if (!pidfd_alive(pidfd)) return "exited";
      // A main process /proc shows as a zombie, or no longer, while its
      // pidfd does not tell yet, is on its way out: never at rest.
      if (fp.find(";" + std::to_string(pid) + ":") == std::string::npos &&
          !fp.starts_with(std::to_string(pid) + ":"))
        at_rest = false;
      if (fp == prev && at_rest && prev_at_rest) return "at rest";
      const uint64_t cpu = cpu_time_ns(pid);
      if (fp == prev && cpu > cpu0 && static_cast<double>(cpu - cpu0) >= kBusyCpuMs * 1e6)
        return "busy";
      if (reaper_.now_ms() >= deadline) return "bound";
      prev = fp;
      prev_at_rest = at_rest;
      const int fds[] = {pidfd};
      reaper_.wait(fds, std::min(deadline, reaper_.now_ms() + look));
      look = std::min(2 * look, kLongestLookMs);
    }
  }

  // Type=forking without PIDFile=: what the first process left is looked at
  // once it has settled, decided by events as wait_decided() decides for a
  // main process: the whole service at rest on two looks in a row, or busy
  // (kBusyCpuMs of CPU time with nothing else changing), never after a fixed
  // window, which a loaded machine could end before a double fork is done.
  std::string wait_service_decided(double deadline) {
    constexpr double kFirstLookMs = 0.1, kLongestLookMs = 5, kBusyCpuMs = 500;
    auto service_cpu = [] {
      uint64_t sum = 0;
      for (const auto& p : descendants_of(::getpid()))
        if (p.state != 'Z') sum += cpu_time_ns(p.pid);
      return sum;
    };
    const uint64_t cpu0 = service_cpu();
    std::string prev;
    bool prev_at_rest = false;
    double look = kFirstLookMs;
    for (;;) {
      bool at_rest = true;
      const std::string fp = service_fingerprint(&at_rest);
      if (fp == prev && at_rest && prev_at_rest) return "at rest";
      const uint64_t cpu = service_cpu();
      if (fp == prev && cpu > cpu0 && static_cast<double>(cpu - cpu0) >= kBusyCpuMs * 1e6)
        return "busy";
      if (reaper_.now_ms() >= deadline) return "bound";
      prev = fp;
      prev_at_rest = at_rest;
      reaper_.wait({}, std::min(deadline, reaper_.now_ms() + look));
      look = std::min(2 * look, kLongestLookMs);
    }
  }

  // Every live process of the service with its state; *at_rest false when
  // one of them has a thread that is not asleep, or an unblocked signal
  // pending (a handler about to run). A zombie is its parent's business.
  std::string service_fingerprint(bool* at_rest) {
    std::string fp;
    for (const auto& e : descendants_of(::getpid())) {
      if (e.state == 'Z') continue;
      fp += std::to_string(e.pid) + ":" + observe::fingerprint(e.pid) + ";";
      if (!all_threads_waiting(e.pid)) *at_rest = false;
      if (auto text = sys::read_file("/proc/" + std::to_string(e.pid) + "/status")) {
        auto st = observe::parse_status(*text);
        if (st && ((st->sig_pnd | st->shd_pnd) & ~st->sig_blk) != 0) *at_rest = false;
      }
    }
    return fp;
  }

  void start_notify(size_t index) {
    const double deadline = start_deadline();
    while (!st_->ready_ms) {
      auto e = wait_main_or_notify(deadline);
      if (e) {
        finish_exec(index, e);
        fail(clean_exit(*e) ? "protocol" : result_of(*e));
        return;
      }
      if (reaper_.now_ms() >= deadline) break;
    }
    if (!st_->ready_ms) fail("timeout");
  }

  // Waits for one event: a notify message (returns nullopt) or the main
  // process's end (returns it), bounded by deadline.
  std::optional<ExitInfo> wait_main_or_notify(double deadline) {
    const int fds[] = {notify_.get(), main_fd_.get()};
    const int r = reaper_.wait(fds, deadline);
    drain_notify();
    if (r == 1 || (main_fd_.valid() && !pidfd_alive(main_fd_.get())))
      return wait_exit(st_->main_pid, main_fd_.get(), main_since_, deadline);
    return std::nullopt;
  }

  // After a reload, until the main process has ended or is at rest: every
  // thread asleep and no unblocked signal pending (a SIGTERM that ExecReload=
  // sent may not have been delivered when its command exits). Each look
  // waits on the main process's pidfd, so its end ends the wait at once.
  void wait_main_at_rest(double deadline) {
    constexpr double kLookMs = 2;
    while (main_alive() && reaper_.now_ms() < deadline) {
      const pid_t pid = st_->main_pid;
      auto text = sys::read_file("/proc/" + std::to_string(pid) + "/status");
      if (!text) return;  // gone meanwhile
      auto st = observe::parse_status(*text);
      if (st && ((st->sig_pnd | st->shd_pnd) & ~st->sig_blk) == 0 && all_threads_waiting(pid))
        return;
      const int fds[] = {main_fd_.get()};
      reaper_.wait(fds, std::min(deadline, reaper_.now_ms() + kLookMs));
    }
  }

  std::optional<pid_t> read_pidfile_pid(std::optional<std::string>* content) {
    auto st = observe::read_pidfile(*c_.pid_file);
    if (!st.exists) return std::nullopt;
    if (content) *content = st.content;
    return st.pid;
  }

  void start_forking(size_t index) {
    const double deadline = start_deadline();
    auto e = wait_exit(exec_.pid, exec_.pidfd.get(), exec_.started_ms, deadline);
    if (!e) return fail("timeout");
    finish_exec(index, e);
    if (c_.pid_file) {
      std::optional<std::string> content;
      st_->pidfile_pid_at_first_exit = read_pidfile_pid(&content);
      st_->pidfile_at_first_exit = content;
    }
    if (!e->exit_status || *e->exit_status != 0) return fail(result_of(*e));
    if (c_.pid_file) {
      const std::string end = await_pidfile(deadline);
      pidfile_facts();
      if (end == "named" && !st_->pidfile_foreign_symlink) {
        st_->main_pid = *st_->pidfile_pid_at_end;
        st_->main_pid_source = "pidfile";
      } else {
        return fail(end == "bound" ? "timeout" : "protocol");
      }
    } else {
      st_->watch_end = wait_service_decided(deadline);
      st_->watched_until_ms = rel(reaper_.now_ms());
      if (!c_.guess_main_pid) return;
      std::vector<pid_t> direct;
      for (const auto& p : descendants_of(::getpid()))
        if (p.state != 'Z' && p.ppid == ::getpid()) direct.push_back(p.pid);
      if (direct.size() == 1) {
        st_->main_pid = direct.front();
        st_->main_pid_source = "guess";
      }
    }
    if (st_->main_pid > 0) {
      main_fd_ = open_descendant_pidfd(st_->main_pid);
      main_since_ = 0;
    }
  }

  // Type=forking with PIDFile=, once the first process exited 0: as systemd
  // (service_load_pid_file(), then its inotify watch on the file), the file
  // is read at once, then again on each change of its folder, until it
  // "named" a live process of the service (pidfile_seen_ms), nothing of the
  // service is left to write it ("empty": systemd's "Daemon never wrote its
  // PID file"), or TimeoutStartSec= passed ("bound"). A process of the
  // service that exits also wakes the wait, so that an empty service is seen
  // as it empties. A file naming the checker itself ("manager": systemd's
  // "New main PID is the manager itself") ends the wait as well.
  std::string await_pidfile(double deadline) {
    const std::string& path = *c_.pid_file;
    // Often the file is there already: then no inotify instance is made, as
    // closing one that holds a watch waits for a kernel grace period (tens
    // of ms).
    UniqueFd in;
    bool watching = false, empty_before = false;
    for (;;) {
      // Watched before each read but the first, so that a write between the
      // two wakes the wait; a folder made later is watched once it exists.
      if (in.valid()) watch_pidfile_folder(in.get(), path);
      if (auto pid = observe::pidfile_pid(path)) {
        if (*pid == ::getpid()) return "manager";
        if (in_service(*pid)) {
          st_->pidfile_seen_ms = rel(reaper_.now_ms());
          return "named";
        }
      }
      // Read twice in a row empty: a process forked by one exiting meanwhile
      // is in the second read.
      const std::vector<Tracked> live = track_live_descendants();
      if (live.empty() && empty_before) return "empty";
      empty_before = live.empty();
      if (empty_before) continue;
      if (!watching) {
        watching = true;
        in.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
        continue;  // read again, watched
      }
      if (reaper_.now_ms() >= deadline) return "bound";
      std::vector<int> fds{in.get()};
      for (const auto& t : live) fds.push_back(t.fd.get());
      // Without inotify (no instance left to make), the file is read again
      // every kPidfileLookMs.
      const double until =
          in.valid() ? deadline : std::min(deadline, reaper_.now_ms() + kPidfileLookMs);
      if (reaper_.wait(fds, until) == 0) {
        char buf[4096];
        while (::read(in.get(), buf, sizeof buf) > 0) {
        }
      }
    }
  }

  // An inotify watch on the pidfile's folder, or while that does not exist,
  // on the nearest folder on its way that does (its making is a change).
  static void watch_pidfile_folder(int in, const std::string& path) {
    constexpr uint32_t kMask =
        IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF;
    for (std::string dir = sys::folder_of(path);; dir = sys::folder_of(dir))
      if (::inotify_add_watch(in, dir.c_str(), kMask) >= 0 || dir == "/" || dir == ".") return;
  }

  // The pidfile as systemd would take it when start-up ends: its content,
  // whether it is reached through a symlink not owned by root, its owner.
  void pidfile_facts() {
    const std::string& path = *c_.pid_file;
    std::optional<std::string> content;
    st_->pidfile_pid_at_end = read_pidfile_pid(&content);
    st_->pidfile_at_end = content;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode) && st.st_uid != 0)
      st_->pidfile_foreign_symlink = true;
    // A symbolic link in a folder on the way counts too.
    std::string partial;
    for (size_t at = 1; at < path.size();) {
      const size_t slash = path.find('/', at);
      if (slash == std::string::npos) break;
      partial = path.substr(0, slash);
      if (::lstat(partial.c_str(), &st) == 0 && S_ISLNK(st.st_mode) && st.st_uid != 0)
        st_->pidfile_foreign_symlink = true;
      at = slash + 1;
    }
    if (::stat(path.c_str(), &st) == 0) st_->pidfile_uid = st.st_uid;
    st_->pidfile_pid_in_service = st_->pidfile_pid_at_end && in_service(*st_->pidfile_pid_at_end);
  }

  void start_oneshot() {
    for (const auto& cmd : c_.exec_start) {
      std::optional<SpawnedService> sp;
      ExecRun& run = spawn("ExecStart", cmd, true, &sp);
      const size_t index = static_cast<size_t>(&run - execs().data());
      if (st_->exec_pid == 0) st_->exec_pid = run.pid;
      if (!sp) return fail("exit-code");
      control_pid_ = sp->pid;
      auto e = wait_exit(sp->pid, sp->pidfd.get(), sp->started_ms, start_deadline());
      if (!e) {
        send_signal(sp->pidfd.get(), SIGKILL);
        return fail("timeout");
      }
      finish_exec(index, e);
      if (!clean_exit(*e) && !cmd.ignore_failure) return fail(result_of(*e));
    }
    for (const auto& cmd : c_.exec_start_post) {
      if (!run_control("ExecStartPost", cmd, start_deadline()))
        return fail(execs().back().timed_out ? "timeout" : "exit-code");
    }
    st_->result = "success";
  }

  void record_survivors() {
    if (c_.pid_file && !st_->pidfile_at_end && c_.type != ServiceType::forking) pidfile_facts();
    for (const auto& p : descendants_of(::getpid())) {
      if (p.state == 'Z') continue;
      st_->survivors.push_back(p.pid);
      st_->survivors_comm.push_back(p.comm);
    }
    st_->main_alive_at_end = main_fd_.valid() && pidfd_alive(main_fd_.get());
  }

  // The main process's /proc snapshot, for stdio-open and friends, and its
  // children's environment (notify-socket-not-inherited).
  void observe_main() {
    o_.launch.argv = execs().empty() ? std::vector<std::string>{} : execs().back().argv;
    o_.launch.tmp_dir = ctx_.tmp;
    o_.launch.checker_pid = ::getpid();
    o_.launch.launched_pid = st_->exec_pid;
    o_.launch.umask = ctx_.dirty ? kDirtyUmask : c_.umask;
    if (!st_->main_alive_at_end) return;
    const pid_t main = st_->main_pid;
    DaemonFacts d = observe::observe_daemon(main, "");
    d.why = "the main process (" + st_->main_pid_source + ")";
    for (const auto& e : descendants_of(main))
      if (e.state != 'Z') d.descendants.push_back(e.pid);
    o_.daemons.push_back(std::move(d));
    judge_children("when start-up ended");
  }

  // notify-socket-not-inherited's evidence: the main process's children
  // now. Called at every point the service is observed at rest (start-up
  // settled, after the reload, after the SIGHUP probe, before the stop), so
  // that a worker started after READY=1 is judged too. A child judged once
  // keeps the worst that was seen of it.
  void judge_children(const char* when) {
    if (!main_alive()) return;
    auto has = [](const std::vector<pid_t>& v, pid_t pid) {
      return std::find(v.begin(), v.end(), pid) != v.end();
    };
    auto sent_by = [&](pid_t pid) {
      auto from = [&](const std::vector<ServiceNotify>& log) {
        return std::any_of(log.begin(), log.end(), [&](const auto& m) { return m.sender == pid; });
      };
      return from(f_.notify) || from(*log_);
    };
    for (const auto& e : descendants_of(st_->main_pid)) {
      if (e.state == 'Z' || has(f_.children_with_notify_socket, e.pid)) continue;
      f_.children_seen = true;
      bool holds = false;
      if (forked_copy_of_parent(e.pid)) {
        // Its own environment cannot be read, but a notify message it sent
        // shows it holds NOTIFY_SOCKET.
        holds = sent_by(e.pid);
        if (!holds) {
          if (!has(f_.children_not_execed, e.pid)) f_.children_not_execed.push_back(e.pid);
          continue;
        }
      } else {
        holds = environ_has(e.pid, "NOTIFY_SOCKET");
      }
      // Its own environment was read (or a message proves what it holds).
      f_.children_judged = true;
      std::erase(f_.children_not_execed, e.pid);
      if (holds) {
        f_.children_with_notify_socket.push_back(e.pid);
        f_.children_with_notify_socket_seen.emplace_back(when);
      }
    }
  }

  // --- after start ------------------------------------------------------------

  bool main_alive() const { return main_fd_.valid() && pidfd_alive(main_fd_.get()); }

  void watchdog() {
    ServiceWatchdog& w = f_.watchdog;
    if (!f_.unit.watchdog_usec_used) {
      w.skipped = "the unit has no WatchdogSec=";
      return;
    }
    if (!main_alive()) {
      w.skipped = "the main process is not running";
      return;
    }
    w.ran = true;
    w.usec = f_.unit.watchdog_usec_used;
    w.from_ms = st_->ready_ms.value_or(st_->ended_ms);
    // Three whole intervals after READY=1: the measurement's window, not a
    // sleep: every message is taken as it comes.
    const double end = t0_ + w.from_ms + 3.0 * static_cast<double>(w.usec) / 1000.0;
    if (end > ctx_.deadline_ms) {
      w.error = "the check's --timeout ends before three watchdog intervals";
    }
    const double bound = std::min(end, ctx_.deadline_ms);
    while (reaper_.now_ms() < bound) {
      const int fds[] = {notify_.get(), main_fd_.get()};
      const int r = reaper_.wait(fds, bound);
      drain_notify();
      if (r == 1 || !main_alive()) break;
    }
    drain_notify();
  }

  void reload() {
    ServiceReload& r = f_.reload;
    if (!main_alive()) {
      r.skipped = "the main process is not running";
      return;
    }
    const pid_t before = st_->main_pid;
    const double deadline =
        std::min(ctx_.deadline_ms, reaper_.now_ms() + u_.facts.timeout_start_s * 1000);
    if (c_.type == ServiceType::notify_reload) {
      r.ran = true;
      r.how = "ReloadSignal=" + signal_name(c_.reload_signal);
      r.signal = c_.reload_signal;
      reload_running_ = true;
      r.signal_monotonic_usec = monotonic_usec();
      r.signal_ms = rel(reaper_.now_ms());
      if (!send_signal(main_fd_.get(), c_.reload_signal)) r.error = "the main process is gone";
      while (!r.ready_ms && reaper_.now_ms() < deadline)
        if (wait_main_or_notify(deadline)) break;
      reload_running_ = false;
    } else if (!c_.exec_reload.empty()) {
      r.ran = true;
      r.how = "ExecReload=";
      reload_running_ = true;
      r.signal_ms = rel(reaper_.now_ms());
      for (const auto& cmd : c_.exec_reload)
        if (!run_control("ExecReload", cmd, deadline)) break;
      reload_running_ = false;
    } else {
      r.skipped = "the unit has no ExecReload= and is not Type=notify-reload";
      return;
    }
    wait_main_at_rest(deadline);
    drain_notify();
    judge_children("after the reload");
    r.main_pid_after = main_alive() ? st_->main_pid : 0;
    r.same_main_alive = r.main_pid_after == before;
    if (!main_alive())
      lost_ = "the reload (" + r.how + ") ended the main process, which " + main_end();
  }

  // The sysv profile's SIGHUP probe on the main process (sighup-handled): it
  // must survive a hang-up. Type=notify-reload's reload signal is judged by
  // reload-protocol instead.
  void sighup() {
    SignalProbe& p = o_.probes.sighup;
    if (c_.type == ServiceType::notify_reload) {
      p.skipped = "Type=notify-reload: reload-protocol judges SIGHUP";
      return;
    }
    if (!live_for("the SIGHUP probe", &p.skipped)) return;
    p.ran = true;
    p.relaunch = static_cast<int>(f_.relaunches.size());
    p.signal = SIGHUP;
    const double t = reaper_.now_ms();
    const double bound = std::min(ctx_.deadline_ms, t + u_.facts.timeout_stop_s * 1000);
    send_signal(main_fd_.get(), SIGHUP);
    // At rest again, or ended: decided by events (wait_decided), bounded.
    const std::string how = wait_decided(main_fd_.get(), st_->main_pid, bound);
    drain_notify();
    if (!main_alive()) {
      if (auto e = wait_exit(st_->main_pid, main_fd_.get(), 0, bound)) p.died.push_back(*e);
      lost_ = "the SIGHUP probe ended the main process, which " + main_end();
    } else if (how != "bound") {
      p.settled_ms = reaper_.now_ms() - t;
      judge_children("after the SIGHUP probe");
    }
    p.all_exited = !p.died.empty();
    p.ms = reaper_.now_ms() - t;
  }

  // --- relaunch ---------------------------------------------------------------

  // How the current main process ended, in words: "was killed by SIGHUP".
  std::string main_end() {
    reaper_.reap_now();
    const auto& all = reaper_.reaped();
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (it->pid != st_->main_pid) continue;
      if (it->signal) return "was killed by " + signal_name(*it->signal);
      if (it->exit_status) return "exited with status " + std::to_string(*it->exit_status);
    }
    return "ended";
  }

  // True when the main process runs for `phase`. When the reload or the
  // SIGHUP probe ended it, the service is started again first (a phase that
  // needs a running service is measured, not skipped); otherwise *why says
  // why there is nothing to act on.
  bool live_for(const std::string& phase, std::string* why) {
    if (main_alive()) return true;
    *why = "the main process is not running";
    if (lost_.empty()) return false;
    if (f_.relaunches.size() >= kMaxServiceRelaunches) {
      *why = lost_ + "; no relaunch is left to measure on";
      return false;
    }
    relaunch(phase);
    if (main_alive() && st_->result == "success") return true;
    const ServiceRelaunch& r = f_.relaunches.back();
    *why = r.why + ", and relaunch " + std::to_string(f_.relaunches.size()) + " " +
           (!st_->error.empty()        ? "could not be made: " + st_->error
            : st_->result != "success" ? "failed to start (result " + st_->result + ")"
                                       : "left no main process running");
    return false;
  }

  // The same unit started again, cleanly, as systemd would start it again:
  // what is left of the ended instance is killed (systemd stops the rest of
  // the control group when the main process dies), the private folders are
  // fresh again, and a new invocation gets its own INVOCATION_ID. Its start
  // is recorded apart (ServiceFacts::relaunches): the first start is the one
  // the start rules judge.
  void relaunch(const std::string& phase) {
    kill_all_descendants(kLeftoverGraceMs);
    drain_notify();
    ServiceRelaunch& r = f_.relaunches.emplace_back();
    r.why = std::exchange(lost_, std::string());
    r.before = phase;
    st_ = &r.start;
    execs_ = &r.execs;
    log_ = &r.notify;
    main_fd_.reset();
    main_since_ = 0;
    exec_ = SpawnedService{};
    exec_index_ = 0;
    control_pid_ = 0;
    invocation_id_ = random_hex32();
    if (std::string e = refresh_private_dirs(); !e.empty()) {
      st_->error = e;
      return;
    }
    start_instance();
  }

  // /run, /tmp and /var/tmp as fresh as for the first start: emptied (the
  // check's own temp folder and the host entries shown there kept), then
  // RuntimeDirectory= made again. When
  // they are the host's (no private folders), only RuntimeDirectory= is
  // made again, as systemd removes it at the stop: the host's folders are
  // never emptied.
  std::string refresh_private_dirs() {
    if (ctx_.private_run) {
      for (const char* dir : {"/run", "/var/tmp", "/tmp"}) empty_folder(dir);
    } else {
      for (const auto& d : runtime_dirs_) remove_tree(d);
    }
    runtime_dirs_.clear();
    return make_runtime_directories() ? "" : runtime_error_;
  }

  // Everything in dir goes but the check's own temp folder, the host entries
  // shown there and the socket units' files (the socket unit outlives a
  // restart of its service), with the folders that hold them.
  void empty_folder(const std::string& dir) {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(dir.c_str())) {
      while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..") names.push_back(name);
      }
      ::closedir(d);
    }
    for (const auto& name : names) {
      const std::string path = dir + "/" + name;
      if (ctx_.tmp == path || ctx_.tmp.starts_with(path + "/")) continue;
      if (std::find(ctx_.kept.begin(), ctx_.kept.end(), path) != ctx_.kept.end()) continue;
      bool holds_socket = false, is_socket = false;
      for (const auto& sock : socket_paths_) {
        is_socket = is_socket || sock == path;
        holds_socket = holds_socket || sock.starts_with(path + "/");
      }
      if (is_socket) continue;
      struct stat st {};
      if (holds_socket && ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        empty_folder(path);
        continue;
      }
      remove_tree(path);
    }
  }

  // systemd's stop: ExecStop=, then KillSignal= to whom KillMode= names,
  // SIGKILL after TimeoutStopSec= as SendSIGKILL= says.
  void stop() {
    ServiceStop& s = f_.stop;
    s.signal = c_.kill_signal;
    if (!main_alive() && !lost_.empty() && !live_for("the stop", &s.skipped)) return;
    execs_ = &f_.execs;  // ExecStop= is the stop's, whichever instance it stops
    s.main_pid = st_->main_pid;
    s.relaunch = static_cast<int>(f_.relaunches.size());
    const double stop_t = reaper_.now_ms();
    const double deadline = stop_t + u_.facts.timeout_stop_s * 1000;
    const pid_t main = main_alive() ? st_->main_pid : 0;
    const bool any = !live_descendants({}).empty();
    if (!any) {
      s.skipped = "nothing of the service was running";
      record_main_end(deadline);
      return;
    }
    s.ran = true;
    drain_notify();
    judge_children("before the stop");
    if (main > 0)
      for (const auto& cmd : c_.exec_stop) run_control("ExecStop", cmd, deadline);
    const unit::KillMode mode = c_.kill_mode;
    std::vector<Tracked> targets;
    if (mode == unit::KillMode::control_group)
      targets = track_live_descendants();
    else if ((mode == unit::KillMode::mixed || mode == unit::KillMode::process) && main_alive())
      targets = track({st_->main_pid});
    s.signal_ms = rel(reaper_.now_ms());
    for (const auto& t : targets) {
      send_signal(t.fd.get(), c_.kill_signal);
      send_signal(t.fd.get(), SIGCONT);
    }
    wait_targets(targets, deadline);
    record_main_end(reaper_.now_ms());
    // What is left: SIGKILL as systemd would send it.
    std::vector<Tracked> left;
    if (c_.send_sigkill) {
      if (mode == unit::KillMode::control_group || mode == unit::KillMode::mixed)
        left = track_live_descendants();
      else if (mode == unit::KillMode::process && main_alive())
        left = track({st_->main_pid});
    }
    for (const auto& t : left) {
      if (!pidfd_alive(t.fd.get())) continue;
      send_signal(t.fd.get(), SIGKILL);
      s.sigkilled.push_back(t.pid);
      s.sigkilled_comm.push_back(t.comm);
    }
    wait_all_exit(left, reaper_.now_ms() + 2000);
    record_main_end(reaper_.now_ms());
    if (mode == unit::KillMode::process || mode == unit::KillMode::none) {
      for (const auto& t : track_live_descendants()) {
        s.left_running.push_back(t.pid);
        s.left_running_comm.push_back(t.comm);
      }
    }
  }

  void wait_targets(const std::vector<Tracked>& targets, double deadline) {
    for (;;) {
      drain_notify();
      std::vector<int> fds{notify_.get()};
      bool alive = false;
      for (const auto& t : targets)
        if (pidfd_alive(t.fd.get())) {
          alive = true;
          fds.push_back(t.fd.get());
        }
      if (!alive || reaper_.wait(fds, deadline) == Reaper::kTimeout) return;
    }
  }

  void record_main_end(double at) {
    ServiceStop& s = f_.stop;
    if (s.main_exit_status || s.main_signal || st_->main_pid <= 0) return;
    reaper_.reap_now();
    const auto& reaped = reaper_.reaped();
    for (auto it = reaped.rbegin(); it != reaped.rend(); ++it) {
      if (it->pid != st_->main_pid) continue;
      s.main_exit_status = it->exit_status;
      s.main_signal = it->signal;
      s.main_ended_ms = rel(it->at_ms);
      return;
    }
    (void)at;
  }

  const LoadedUnit& u_;
  const unit::ServiceConfig& c_;
  const ServiceContext& ctx_;
  Observation& o_;
  ServiceFacts& f_;
  Reaper& reaper_;
  // The instance the run acts on: the first start's facts, or a relaunch's.
  ServiceStart* st_ = &f_.start;
  std::vector<ExecRun>* execs_ = &f_.execs;
  std::vector<ServiceNotify>* log_ = &f_.notify;
  size_t exec_index_ = 0;  // ExecStart='s entry in *execs_
  std::string lost_;       // what the check did that ended the main process, if it did
  double t0_ = 0, start_t_ = 0;
  DrainedFd journal_;
  UniqueFd service_stream_;
  std::string journal_stream_;
  DrainedFd pty_master_;
  UniqueFd pty_slave_;
  UniqueFd notify_;
  std::string notify_path_;
  std::string root_notify_path_;  // RootDirectory=: NOTIFY_SOCKET inside the root
  std::string invocation_id_;
  std::vector<std::string> runtime_dirs_;
  std::string runtime_error_;
  UniqueFd planted_file_, planted_pipe_, planted_peer_;
  std::vector<UniqueFd> sockets_;          // socket activation, in LISTEN_FDS order
  std::vector<std::string> socket_paths_;  // their files, kept when /run is emptied
  SpawnedService exec_;
  std::optional<SpawnedService> pending_;
  UniqueFd main_fd_;
  double main_since_ = 0;
  pid_t control_pid_ = 0;
  bool reload_running_ = false, reloading_now_ = false;
};

}  // namespace

void run_service(const LoadedUnit& unit, const ServiceContext& ctx, Observation& o) {
  ServiceRun(unit, ctx, o).run();
}

}  // namespace dc
