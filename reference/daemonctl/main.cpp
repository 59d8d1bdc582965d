// daemonctl: start, stop, restart, status and run a daemon, identified by its
// pidfile and that file's lock. Replaces the seed tutorial's init script, and
// its `ps aux | grep`, with the daemonize library. Exit statuses follow the LSB
// init script conventions.
#include <grp.h>
#include <pwd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "control.h"
#include "daemonize/daemon.h"
#include "supervisor.h"

namespace {

using daemonctl::Outcome;

// What start, restart and run share: the library's options, on the command line.
struct StartRequest {
  std::string pidfile, chdir = "/", chroot, umask = "0", user, group, stdout_path, stderr_path;
  std::vector<int> keep_fds;
  std::vector<std::string> env, command;
  bool notify = false, exec = false, lsb = false;
  double ready_timeout_s = 90;
};

void add_start_options(CLI::App& verb, StartRequest& request) {
  verb.add_option("--chdir", request.chdir, "Working directory (default /)");
  verb.add_option("--chroot", request.chroot, "chroot() here before chdir");
  verb.add_option("--umask", request.umask, "The daemon's umask, octal (default 0)");
  verb.add_option("--user", request.user, "Run as this user (name or uid); groups follow");
  verb.add_option("--group", request.group, "Run with this group (name or gid)");
  verb.add_option("--stdout", request.stdout_path,
                  "Append stdout to this file (default /dev/null)");
  verb.add_option("--stderr", request.stderr_path,
                  "Append stderr to this file (default /dev/null)");
  verb.add_option("--keep-fd", request.keep_fds, "Pass this open descriptor to the command");
  verb.add_option("--env", request.env, "NAME: keep it from our environment; NAME=VALUE: set it");
  verb.add_flag(
      "--notify", request.notify,
      "The command speaks sd_notify: ready when it sends READY=1, not when it is executed");
  verb.add_option("--ready-timeout", request.ready_timeout_s,
                  "With --notify: seconds the command gets to send READY=1; then it is stopped "
                  "and start fails (default 90)")
      ->check(CLI::PositiveNumber);
  verb.add_flag("--exec", request.exec,
                "Replace the supervisor with the command (it inherits the pidfile and its lock)");
  verb.add_flag("--lsb", request.lsb,
                "start on a running daemon exits 0, as LSB init scripts do (default: 1, so a "
                "caller can tell that nothing was started)");
  verb.add_option("command", request.command, "-- CMD [ARGS...]")->required();
  verb.positionals_at_end();
}

// "0027" (base 8), "65534": digits only, no sign, no overflow.
std::optional<unsigned> parse_number(const std::string& text, int base) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value, base);
  if (text.empty() || error != std::errc() || stop != end) return std::nullopt;
  return value;
}

// Names or numbers, as the user gave them.
daemonize::Result<daemonize::Options> to_options(const StartRequest& request) {
  daemonize::Options options;
  options.pidfile = request.pidfile;
  options.working_directory = request.chdir;
  options.chroot_directory = request.chroot;
  options.files_preserve = request.keep_fds;
  options.signal_map =
      request.exec ? daemonize::default_signal_map() : daemonctl::supervisor_signal_map();
  const auto umask = parse_number(request.umask, 8);
  if (!umask || *umask > 0777) {
    return daemonize::Error{"parse --umask", request.umask, EINVAL, "not an octal mode"};
  }
  options.umask = static_cast<mode_t>(*umask);
  if (!request.user.empty()) {
    const passwd* user = ::getpwnam(request.user.c_str());
    const auto uid = user ? std::optional<unsigned>(user->pw_uid) : parse_number(request.user, 10);
    if (!uid) return daemonize::Error{"look up --user", request.user, 0, "no such user"};
    options.uid = *uid;
    options.initgroups = user != nullptr;  // a name: its groups from the group database
  }
  if (!request.group.empty()) {
    const group* group = ::getgrnam(request.group.c_str());
    const auto gid =
        group ? std::optional<unsigned>(group->gr_gid) : parse_number(request.group, 10);
    if (!gid) return daemonize::Error{"look up --group", request.group, 0, "no such group"};
    options.gid = *gid;
  }
  if (!request.stdout_path.empty())
    options.stdout_to = daemonize::Stream::file(request.stdout_path);
  if (!request.stderr_path.empty())
    options.stderr_to = daemonize::Stream::file(request.stderr_path);
  for (const std::string& entry : request.env) {
    (entry.find('=') == std::string::npos ? options.env_allow : options.env_set).push_back(entry);
  }
  return options;
}

int report(const Outcome& outcome) {
  std::FILE* stream = outcome.is_error ? stderr : stdout;
  std::fprintf(stream, "daemonctl: %s\n", outcome.message.c_str());
  return outcome.status;
}

// start (detach) and run (stay in the foreground): daemonize, then supervise
// the command or become it. Returns in the daemon, or before forking.
int start(const StartRequest& request, bool foreground) {
  auto options = to_options(request);
  if (!options) return report({2, options.error().message(), true});
  if (foreground) options->detach_process = false;

  auto daemon = daemonize::open(*options);
  if (!daemon && daemonize::is_already_running(daemon.error())) {
    // A second start starts nothing: say so, and exit 1 so a script can tell
    // (daemoncheck's second-instance-reports-failure). LSB init scripts count
    // it as success; --lsb gives them their 0.
    const bool ok = request.lsb && !foreground;
    return report({ok ? 0 : 1, daemon.error().detail, !ok});
  }
  if (!daemon) {
    return report(
        {daemonctl::start_failure_status(daemon.error()), daemon.error().message(), true});
  }
  if (request.exec) {
    const auto failed = daemon->exec(request.command);
    daemon->notify_failed(failed.error(), daemonctl::start_failure_status(failed.error()));
    return daemonctl::start_failure_status(failed.error());
  }
  std::optional<std::chrono::milliseconds> ready_timeout;
  if (request.notify) {
    ready_timeout = std::chrono::milliseconds(static_cast<long>(request.ready_timeout_s * 1000));
  }
  return daemonctl::Supervisor(*daemon, request.command, request.keep_fds, ready_timeout).run();
}

int run(int argc, char** argv) {
  CLI::App app{"Start, stop and query a daemon identified by its pidfile and that file's lock."};
  app.require_subcommand(1);
  StartRequest request;
  double timeout_s = 10;

  auto* start_verb = app.add_subcommand("start", "Start CMD as a daemon, unless it runs already");
  start_verb->add_option("--pidfile", request.pidfile, "The daemon's pidfile")->required();
  add_start_options(*start_verb, request);

  auto* stop_verb = app.add_subcommand("stop", "SIGTERM the daemon; SIGKILL after --timeout");
  stop_verb->add_option("--pidfile", request.pidfile, "The daemon's pidfile")->required();
  stop_verb->add_option("--timeout", timeout_s, "Seconds to wait after SIGTERM (default 10)")
      ->check(CLI::Range(0.0, 86400.0));

  auto* restart_verb = app.add_subcommand("restart", "stop, then start");
  restart_verb->add_option("--pidfile", request.pidfile, "The daemon's pidfile")->required();
  restart_verb->add_option("--timeout", timeout_s, "Seconds to wait after SIGTERM (default 10)")
      ->check(CLI::Range(0.0, 86400.0));
  add_start_options(*restart_verb, request);

  auto* reload_verb = app.add_subcommand("reload", "SIGHUP the daemon; 7 when it is not running");
  reload_verb->add_option("--pidfile", request.pidfile, "The daemon's pidfile")->required();

  auto* status_verb = app.add_subcommand("status", "0 running, 1 dead (pidfile left), 3 stopped");
  status_verb->add_option("--pidfile", request.pidfile, "The daemon's pidfile")->required();

  auto* run_verb = app.add_subcommand("run", "Set up as for start, without detaching (debugging)");
  run_verb->add_option("--pidfile", request.pidfile, "A pidfile, if one is wanted");
  add_start_options(*run_verb, request);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int status = app.exit(error);
    return status == 0 ? 0 : 2;  // LSB: 2 is "invalid or excess arguments"
  }

  const auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
  if (status_verb->parsed()) return report(daemonctl::status(request.pidfile));
  if (stop_verb->parsed()) return report(daemonctl::stop(request.pidfile, timeout));
  if (reload_verb->parsed()) return report(daemonctl::reload(request.pidfile));
  if (restart_verb->parsed()) {
    const Outcome stopped = daemonctl::stop(request.pidfile, timeout);
    if (stopped.status != 0) return report(stopped);
    // Already running now means a concurrent restart started it between our
    // stop and our start: the daemon runs, freshly started, as asked.
    request.lsb = true;
  }
  return start(request, run_verb->parsed());
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {  // out of memory, say: report it, start nothing
    std::fprintf(stderr, "daemonctl: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "daemonctl: unexpected error\n");
  }
  return 1;
}
