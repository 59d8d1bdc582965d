// See options.h.
#include "cli/options.h"

#include <grp.h>
#include <pwd.h>

#include <CLI/CLI.hpp>
#include <charconv>

#include "rules/catalog.h"

namespace dc {
namespace {

std::optional<unsigned> parse_unsigned(const std::string& s, int base = 10) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

ParsedCli parse_cli(int argc, char** argv) {
  ParsedCli r;
  CliOptions& o = r.options;
  CheckOptions& c = o.check;

  // Everything after "--" is the target's, untouched by option parsing.
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) args.emplace_back(argv[i]);  // CLI11 wants them reversed
  for (size_t k = args.size(); k-- > 0;) {
    if (args[k] == "--") {
      for (size_t m = k; m-- > 0;) c.command.push_back(args[m]);
      args.erase(args.begin(), args.begin() + static_cast<long>(k) + 1);
      break;
    }
  }

  CLI::App app{"daemoncheck: launches a program the way a messy interactive shell would, catches "
               "the daemon it becomes, and scores how well it daemonized.\n\n"
               "Usage: daemoncheck [OPTIONS] -- CMD [ARGS...]",
               "daemoncheck"};
  app.set_version_flag("--version", std::string("daemoncheck ") + DAEMONCHECK_VERSION);
  app.get_formatter()->column_width(34);
  std::string profile = "sysv";
  app.add_option("--profile", profile, "sysv (a self-forking daemon) or systemd (a foreground service)")
      ->check(CLI::IsMember({"sysv", "systemd"}))
      ->default_str("sysv");
  app.add_option("--pidfile", c.pidfile, "the daemon's pidfile ({tmp} is the run's temp directory)");
  app.add_flag("--notify", c.notify, "systemd profile: READY=1 on NOTIFY_SOCKET is required");
  app.add_option("--start-timeout", c.start_timeout_s, "seconds the launched process and the daemon get to start")
      ->check(CLI::PositiveNumber)
      ->default_str("10");
  app.add_option("--stop-timeout", c.stop_timeout_s, "seconds the daemon gets to exit after SIGTERM")
      ->check(CLI::PositiveNumber)
      ->default_str("5");
  app.add_option("--settle-ms", c.settle_ms, "quiet window (ms) that ends startup when no pidfile is known")
      ->check(CLI::Range(1.0, 60000.0))
      ->default_str("30");
  app.add_option("--race-trials", c.race_trials, "launches as session leader for race-free-startup (0 skips)")
      ->check(CLI::Range(0, 100))
      ->default_str("5");
  app.add_option("--expect-cwd", c.expect_cwd, "the working directory the daemon should have (default /)");
  std::string umask_text;
  app.add_option("--expect-umask", umask_text, "the umask (octal) the daemon should have");
  app.add_option("--expect-user", c.expect_user, "user name or uid the daemon should run as");
  app.add_option("--expect-group", c.expect_group, "group name or gid the daemon should run as");
  app.add_option("--expect-root", c.expect_root, "the root directory (chroot) the daemon should have");
  std::vector<std::string> waives;
  app.add_option("--waive", waives, "ID=REASON: report a failure of rule ID as waived (repeatable)");
  app.add_flag("--strict", o.strict, "recommended rules gate the verdict too");
  app.add_option("--json", o.json_path, "also write the scorecard to PATH (- for stdout)");
  app.add_option("--report-dir", o.report_dir, "folder for the scorecard")->default_str("reports");
  app.add_flag("--quiet,-q", o.quiet, "print no summary");
  std::vector<std::string> rest;
  app.add_option("command", rest, "the program to check and its arguments (after --)");
  app.prefix_command(true);

  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    r.outcome = ParsedCli::kExit;
    r.out = app.help();
    return r;
  } catch (const CLI::CallForVersion& e) {
    r.outcome = ParsedCli::kExit;
    r.out = app.version() + "\n";
    return r;
  } catch (const CLI::ParseError& e) {
    r.outcome = ParsedCli::kExit;
    r.exit_status = 2;
    r.error = e.what();
    return r;
  }
  auto usage = [&](std::string msg) {
    r.outcome = ParsedCli::kExit;
    r.exit_status = 2;
    r.error = std::move(msg);
    return r;
  };
  for (const auto& x : app.remaining()) rest.push_back(x);
  if (c.command.empty()) c.command = rest;
  else if (!rest.empty()) return usage("unexpected argument before --: " + rest.front());
  if (c.command.empty()) return usage("no command to check: daemoncheck [OPTIONS] -- CMD [ARGS...]");
  c.profile = profile;
  if (c.notify && profile != "systemd") return usage("--notify needs --profile systemd");

  if (!umask_text.empty()) {
    auto m = parse_unsigned(umask_text, 8);
    if (!m || *m > 0777) return usage("--expect-umask: not an octal umask: " + umask_text);
    c.expect_umask = *m;
  }
  if (c.expect_user) {
    if (auto uid = parse_unsigned(*c.expect_user)) {
      c.expect_uid = *uid;
    } else if (const passwd* pw = ::getpwnam(c.expect_user->c_str())) {
      c.expect_uid = pw->pw_uid;
      if (!c.expect_group) c.expect_gid = pw->pw_gid;
    } else {
      return usage("--expect-user: no such user: " + *c.expect_user);
    }
  }
  if (c.expect_group) {
    if (auto gid = parse_unsigned(*c.expect_group)) {
      c.expect_gid = *gid;
    } else if (const group* gr = ::getgrnam(c.expect_group->c_str())) {
      c.expect_gid = gr->gr_gid;
    } else {
      return usage("--expect-group: no such group: " + *c.expect_group);
    }
  }
  for (const auto& w : waives) {
    auto eq = w.find('=');
    std::string id = w.substr(0, eq);
    std::string reason = eq == std::string::npos ? "" : w.substr(eq + 1);
    if (!find_rule(id))
      return usage("--waive: unknown rule id '" + id + "' (did you mean '" + closest_rule(id) + "'?)");
    if (reason.empty()) return usage("--waive " + id + ": give a reason, as ID=REASON");
    o.waivers.push_back({id, reason, false});
  }
  return r;
}

}  // namespace dc
