// See options.h.
#include "cli/options.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "cli/waivers.h"
#include "common/text.h"
#include "profiles/profile.h"
#include "report/explain.h"
#include "rules/catalog.h"

namespace dc {
namespace {

// The names --profile takes, from the profiles' descriptors.
std::vector<std::string> known_profiles() {
  std::vector<std::string> out;
  for (const Profile* p : all_profiles())
    if (p->launch != LaunchKind::ActionSequence) out.emplace_back(p->name);  // a subcommand
  return out;
}

std::optional<unsigned> parse_unsigned(const std::string& s, int base = 10) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

ParsedCli usage_error(std::string msg) {
  ParsedCli r;
  r.outcome = ParsedCli::kExit;
  r.exit_status = 2;
  r.error = std::move(msg);
  return r;
}

ParsedCli print_and_exit(std::string out) {
  ParsedCli r;
  r.outcome = ParsedCli::kExit;
  r.out = std::move(out);
  return r;
}

ColorMode color_mode(const std::string& s) {
  return s == "always" ? ColorMode::Always : s == "never" ? ColorMode::Never : ColorMode::Auto;
}

// CLI11's messages can span lines; the contract is one line on stderr.
std::string stderr_line(std::string s) {
  s = one_line(std::move(s));
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// CLI11 2.1 derives the usage line from the options; daemoncheck has four forms.
class UsageFormatter : public CLI::Formatter {
 public:
  explicit UsageFormatter(std::string usage) : usage_(std::move(usage)) { column_width(34); }
  std::string make_usage(const CLI::App*, std::string) const override { return usage_; }

 private:
  std::string usage_;
};

constexpr const char* kFormats = "text, json, junit, sarif, html or markdown";

// Parses argv[2...] of `daemoncheck NAME ...`; a value when parsing ends the
// run (help, or a usage error).
std::optional<ParsedCli> parse_subcommand(CLI::App& app, int argc, char** argv, const char* name) {
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 2; --i) args.emplace_back(argv[i]);  // CLI11 wants them reversed
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    return print_and_exit(app.help());
  } catch (const CLI::ParseError& e) {
    return usage_error(std::string(name) + ": " + stderr_line(e.what()));
  }
  return std::nullopt;
}

// daemoncheck render SCORECARD.json [--format F] [-o PATH] [--color WHEN]
ParsedCli parse_render(int argc, char** argv) {
  CLI::App app{
      "daemoncheck render: renders a saved scorecard in another format. Every report is "
      "rendered from the JSON scorecard, so this gives the same document the run would "
      "have written.",
      "daemoncheck render"};
  app.formatter(std::make_shared<UsageFormatter>(
      "\nUsage: daemoncheck render SCORECARD.json [--format FORMAT] [-o PATH] [--color WHEN]\n"));
  app.footer(
      "Exit status: 0 written, 2 usage error or unreadable scorecard, 3 the output cannot be "
      "written.");
  ParsedCli r;
  r.outcome = ParsedCli::kRender;
  std::string format = "text", color = "auto";
  app.add_option("scorecard", r.render.input, "the scorecard (JSON) a run wrote")->required();
  app.add_option("--format,-f", format, std::string("the format to render: ") + kFormats)
      ->type_name("FORMAT")
      ->default_str("text");
  app.add_option("-o,--output", r.render.output,
                 "write it to PATH, atomically and never through a symbolic link (- is stdout)")
      ->type_name("PATH")
      ->default_str("-");
  app.add_option("--color", color, "colour the text format: auto (on a terminal), always, never")
      ->type_name("WHEN")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->default_str("auto");
  if (auto stop = parse_subcommand(app, argc, argv, "render")) return *stop;
  auto f = format_from_name(format);
  if (!f)
    return usage_error("render: --format: unknown format '" + format + "' (use " + kFormats + ")");
  r.render.format = *f;
  r.render.color = color_mode(color);
  if (r.render.output.empty()) return usage_error("render: -o: give a path, or - for stdout");
  return r;
}

// daemoncheck suite [--jobs N] [--set KEY=VALUE]... [--json PATH] FILE...
ParsedCli parse_suite(int argc, char** argv) {
  CLI::App app{
      "daemoncheck suite: checks many targets at once, each in its own daemoncheck process, "
      "and prints one combined summary. A manifest is a case.json object (name, command, "
      "options, expect), an array of them, or {\"targets\": [...]}. With \"expect\", a target "
      "passes when its rules have exactly the expected statuses (unlisted rules pass or skip).",
      "daemoncheck suite"};
  app.formatter(std::make_shared<UsageFormatter>(
      "\nUsage: daemoncheck suite [--jobs N] [--set KEY=VALUE]... [--json PATH] FILE...\n"));
  app.footer(
      "Exit status: the worst of the targets': 0 all as expected, 1 a failure or a mismatch, "
      "2 a bad manifest, 3 a target that could not be checked.");
  ParsedCli r;
  r.outcome = ParsedCli::kSuite;
  SuiteOptions& s = r.suite;
  std::vector<std::string> sets;
  app.add_option("files", s.files, "manifest files (case.json)")->required();
  app.add_option("--jobs,-j", s.jobs, "checks run at the same time")
      ->check(CLI::Range(1, 64))
      ->default_str("2");
  // One value per --set, so that the manifests may follow it.
  app.add_option("--set", sets, "KEY=VALUE: replace {KEY} in commands and options (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--report-dir", s.report_dir, "folder for every target's scorecard")
      ->default_str("reports");
  app.add_option("--json", s.json_path, "write the combined result to PATH (- for stdout)");
  app.add_flag("--quiet,-q", s.quiet, "print no summary");
  if (auto stop = parse_subcommand(app, argc, argv, "suite")) return *stop;
  for (const auto& kv : sets) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return usage_error("suite: --set " + kv + ": give KEY=VALUE");
    s.vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return r;
}

// What the main command line holds before it is checked: the values CLI11
// binds that parse_cli turns into CliOptions once the parse succeeded.
struct RawCli {
  std::string profile = "sysv";
  std::string attach;
  bool no_isolation = false;
  std::string umask;
  std::vector<std::string> waives;
  std::string waivers_file;
  std::string json_path, junit_path, sarif_path, html_path, markdown_path;
  std::string color = "auto";
  bool list_rules = false;
  std::string explain;
  std::vector<std::string> rest;  // arguments with no "--" before them
};

// Everything after "--" is the target's, untouched by option parsing: it goes
// to `command`, and what is left comes back reversed, as CLI11 wants it.
std::vector<std::string> take_command(int argc, char** argv, std::vector<std::string>& command) {
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) args.emplace_back(argv[i]);
  for (size_t k = args.size(); k-- > 0;) {
    if (args[k] == "--") {
      for (size_t m = k; m-- > 0;) command.push_back(args[m]);
      args.erase(args.begin(), args.begin() + static_cast<long>(k) + 1);
      break;
    }
  }
  return args;
}

constexpr const char* kCheck = "Check";
constexpr const char* kExpect = "Expectations";
constexpr const char* kVerdict = "Verdict";
constexpr const char* kReports = "Reports";
constexpr const char* kRules = "Rules";

void add_check_options(CLI::App& app, CheckOptions& c, RawCli& raw) {
  app.add_option("--profile", raw.profile,
                 "sysv (a self-forking daemon), systemd (a foreground service, run under a "
                 "unit made from the command line) or service (set by --unit)")
      ->type_name("NAME")
      ->check(CLI::IsMember(known_profiles()))
      ->default_str("sysv")
      ->group(kCheck);
  app.add_option("--unit", c.unit,
                 "check a systemd service: run the program as systemd would for the unit file "
                 "PATH (NAME.service; nothing follows --)")
      ->type_name("PATH")
      ->group(kCheck);
  app.add_option("--instance", c.instance, "--unit: the instance of a template unit (foo@.service)")
      ->type_name("I")
      ->group(kCheck);
  app.add_option("--watchdog-usec", c.watchdog_usec,
                 "--unit: WATCHDOG_USEC is at most this (microseconds), so that a WatchdogSec= "
                 "of minutes is checked in seconds")
      ->type_name("N")
      ->check(CLI::Range(uint64_t{1000}, uint64_t{3'600'000'000}))
      ->default_str("2000000")
      ->group(kCheck);
  app.add_flag("--dirty", c.dirty,
               "--unit: start the service with a shell's leftovers on top (a terminal on "
               "stdin, umask 047, leaked descriptors 3 and 9), as when started by hand")
      ->group(kCheck);
  app.add_option("--pidfile", c.pidfile, "the daemon's pidfile ({tmp} is the run's temp directory)")
      ->type_name("PATH")
      ->group(kCheck);
  app.add_flag("--notify", c.notify,
               "systemd profile: the made-up unit is Type=notify; READY=1 is required")
      ->group(kCheck);
  app.add_option("--attach", raw.attach,
                 "observe an already running daemon (no command after --): read-only rules only")
      ->type_name("PID")
      ->group(kCheck);
  app.add_option("--start-timeout", c.start_timeout_s,
                 "seconds the launched process and the daemon get to start")
      ->type_name("S")
      ->check(CLI::PositiveNumber)
      ->default_str("10")
      ->group(kCheck);
  app.add_option("--stop-timeout", c.stop_timeout_s,
                 "seconds the daemon gets to exit after SIGTERM")
      ->type_name("S")
      ->check(CLI::PositiveNumber)
      ->default_str("5")
      ->group(kCheck);
  app.add_option("--timeout", c.timeout_s,
                 "seconds the whole check may take; what is still running then is ended and "
                 "what was not measured is error")
      ->type_name("S")
      ->check(CLI::PositiveNumber)
      ->default_str("60")
      ->group(kCheck);
  app.add_option("--settle-ms", c.settle_ms,
                 "quiet window (ms) that ends startup when no pidfile is known")
      ->type_name("MS")
      ->check(CLI::Range(1.0, 60000.0))
      ->default_str("30")
      ->group(kCheck);
  app.add_flag("--no-isolation", raw.no_isolation,
               "do not run the target in its own PID namespace and pids cgroup (by default "
               "nothing survives even a SIGKILL of daemoncheck)")
      ->group(kCheck);
  app.add_option("--race-trials", c.race_trials,
                 "launches as session leader for race-free-startup (0 skips)")
      ->type_name("N")
      ->check(CLI::Range(0, 100))
      ->default_str("5")
      ->group(kCheck);
}

void add_expectation_options(CLI::App& app, CheckOptions& c, RawCli& raw) {
  app.add_option("--expect-cwd", c.expect_cwd,
                 "the working directory the daemon should have (default /)")
      ->type_name("DIR")
      ->group(kExpect);
  app.add_option("--expect-umask", raw.umask, "the umask (octal) the daemon should have")
      ->type_name("OCTAL")
      ->group(kExpect);
  app.add_option("--expect-user", c.expect_user, "user name or uid the daemon should run as")
      ->type_name("USER")
      ->group(kExpect);
  app.add_option("--expect-group", c.expect_group, "group name or gid the daemon should run as")
      ->type_name("GROUP")
      ->group(kExpect);
  app.add_option("--expect-root", c.expect_root,
                 "the root directory (chroot) the daemon should have")
      ->type_name("DIR")
      ->group(kExpect);
}

void add_verdict_options(CLI::App& app, CliOptions& o, RawCli& raw) {
  app.add_option("--waive", raw.waives,
                 "report a failure of rule ID as waived, with the reason (repeatable)")
      ->type_name("ID=REASON")
      ->group(kVerdict);
  app.add_option("--waivers", raw.waivers_file,
                 "waivers from FILE: one 'RULE-ID reason' a line, # comments")
      ->type_name("FILE")
      ->group(kVerdict);
  app.add_flag("--strict", o.strict, "recommended rules gate the verdict too")->group(kVerdict);
}

void add_report_options(CLI::App& app, CliOptions& o, RawCli& raw) {
  app.add_option("--report-dir", o.report_dir, "folder for the scorecard")
      ->type_name("DIR")
      ->default_str("reports")
      ->group(kReports);
  app.add_option("--json", raw.json_path, "also write the scorecard to PATH (- for stdout)")
      ->type_name("PATH")
      ->group(kReports);
  app.add_option("--junit", raw.junit_path, "write JUnit XML to PATH (- for stdout)")
      ->type_name("PATH")
      ->group(kReports);
  app.add_option("--sarif", raw.sarif_path, "write SARIF 2.1.0 to PATH (- for stdout)")
      ->type_name("PATH")
      ->group(kReports);
  app.add_option("--html", raw.html_path, "write a self-contained HTML page to PATH (- for stdout)")
      ->type_name("PATH")
      ->group(kReports);
  app.add_option("--markdown", raw.markdown_path,
                 "write Markdown to PATH (- for stdout); $GITHUB_STEP_SUMMARY also gets it")
      ->type_name("PATH")
      ->group(kReports);
  app.add_option("--color", raw.color,
                 "colour the summary: auto (on a terminal, unless NO_COLOR), always, never")
      ->type_name("WHEN")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->default_str("auto")
      ->group(kReports);
  app.add_flag("--quiet,-q", o.quiet, "print no summary")->group(kReports);
}

void add_rule_options(CLI::App& app, RawCli& raw) {
  app.add_flag("--list-rules", raw.list_rules, "list every rule: id, severity, profile, seed step")
      ->group(kRules);
  app.add_option("--explain", raw.explain,
                 "what RULE checks, why it matters, how it is observed, and its fix in C, Python "
                 "and shell")
      ->type_name("RULE")
      ->group(kRules);
}

void describe_main(CLI::App& app) {
  app.formatter(std::make_shared<UsageFormatter>(
      "\nUsage: daemoncheck [OPTIONS] -- CMD [ARGS...]\n"
      "       daemoncheck [OPTIONS] --unit PATH/NAME.service\n"
      "       daemoncheck [OPTIONS] --attach PID\n"
      "       daemoncheck render SCORECARD.json [--format FORMAT] [-o PATH]\n"
      "       daemoncheck suite [--jobs N] [--set KEY=VALUE]... FILE...\n"
      "       daemoncheck control [OPTIONS] -- SCRIPT [ARGS...]\n"
      "       daemoncheck --list-rules | --explain RULE\n"));
  app.footer(
      "Exit status: 0 pass, 1 fail, 2 usage error, 3 the check could not be run.\n"
      "See daemoncheck(1), and daemoncheck --explain RULE for any rule.");
  app.set_version_flag("--version", std::string("daemoncheck ") + DAEMONCHECK_VERSION);
}

// A usage error, if any, from each step that checks what was parsed.
using Problem = std::optional<std::string>;

// --unit selects the service profile; its command is the unit's ExecStart=.
Problem resolve_unit(const CLI::App& app, const RawCli& raw, CheckOptions& c) {
  if (!c.unit) {
    if (raw.profile == "service") return "--profile service needs --unit PATH";
    for (const char* flag : {"--instance", "--dirty"})
      if (app.count(flag)) return std::string(flag) + " needs --unit PATH";
    return std::nullopt;
  }
  if (c.unit->empty()) return "--unit: give the path of a unit file";
  if (!c.command.empty() || !raw.rest.empty())
    return "--unit: the unit gives the command (ExecStart=); give nothing after --";
  if (app.count("--attach")) return "--unit and --attach: give one of them";
  if (app.count("--profile") && raw.profile != "service")
    return "--unit checks the service profile; --profile " + raw.profile + " does not go with it";
  if (c.notify) return "--notify is for --profile systemd; a unit says Type=notify itself";
  if (c.pidfile) return "--pidfile is for the sysv profile; a unit says PIDFile= itself";
  c.profile = ProfileId::Service;
  return std::nullopt;
}

// The command after --, the arguments before it, or --attach PID: one of them.
Problem resolve_target(const CLI::App& app, RawCli& raw, CheckOptions& c) {
  for (const auto& x : app.remaining()) raw.rest.push_back(x);
  if (auto problem = resolve_unit(app, raw, c)) return problem;
  if (c.unit) return std::nullopt;
  if (c.command.empty())
    c.command = raw.rest;
  else if (!raw.rest.empty())
    return "unexpected argument before --: " + raw.rest.front();
  if (!raw.attach.empty() || app.count("--attach")) {
    auto pid = parse_unsigned(raw.attach);
    if (!pid || *pid < 2 || *pid > 0x3fffffff)
      return "--attach: not the pid of a daemon: '" + raw.attach + "'";
    if (!c.command.empty())
      return "--attach checks a daemon that is already running: give no command after --";
    c.attach = static_cast<pid_t>(*pid);
  } else if (c.command.empty()) {
    return "no command to check: daemoncheck [OPTIONS] -- CMD [ARGS...]";
  }
  c.profile = *profile_named(raw.profile);
  if (c.notify && profile(c.profile).launch != LaunchKind::Foreground)
    return "--notify needs --profile systemd";
  return std::nullopt;
}

// --expect-umask, and --expect-user/--expect-group as names or numbers (a
// user's name also gives its group when no --expect-group says otherwise).
Problem resolve_expectations(const RawCli& raw, CheckOptions& c) {
  if (!raw.umask.empty()) {
    auto m = parse_unsigned(raw.umask, 8);
    if (!m || *m > 0777) return "--expect-umask: not an octal umask: " + raw.umask;
    c.expect_umask = *m;
  }
  if (c.expect_user) {
    if (auto uid = parse_unsigned(*c.expect_user)) {
      c.expect_uid = *uid;
    } else if (const passwd* pw = ::getpwnam(c.expect_user->c_str())) {
      c.expect_uid = pw->pw_uid;
      if (!c.expect_group) c.expect_gid = pw->pw_gid;
    } else {
      return "--expect-user: no such user: " + *c.expect_user;
    }
  }
  if (c.expect_group) {
    if (auto gid = parse_unsigned(*c.expect_group)) {
      c.expect_gid = *gid;
    } else if (const group* gr = ::getgrnam(c.expect_group->c_str())) {
      c.expect_gid = gr->gr_gid;
    } else {
      return "--expect-group: no such group: " + *c.expect_group;
    }
  }
  return std::nullopt;
}

// Waivers: the file's first, then --waive; one waiver per rule.
Problem resolve_waivers(bool file_given, const RawCli& raw, std::vector<Waiver>& waivers) {
  if (file_given) {
    auto from_file = read_waivers_file(raw.waivers_file);
    if (!from_file) return from_file.error().message();
    waivers = std::move(*from_file);
  }
  for (const auto& w : raw.waives) {
    auto eq = w.find('=');
    std::string id = w.substr(0, eq);
    std::string reason = eq == std::string::npos ? "" : w.substr(eq + 1);
    if (!find_rule(id))
      return "--waive: unknown rule id '" + escape_bytes(id.substr(0, 40), '\'') +
             "' (did you mean '" + closest_rule(id) + "'?)";
    if (reason.empty()) return "--waive " + id + ": give a reason, as ID=REASON";
    for (const auto& earlier : waivers) {
      if (earlier.id == id)
        return "--waive " + id + ": the rule is waived already" +
               (file_given ? " (by --waivers or an earlier --waive)" : "");
    }
    waivers.push_back({id, reason, false});
  }
  return std::nullopt;
}

// Reports: each path once, at most one on stdout.
Problem resolve_reports(const CLI::App& app, const RawCli& raw, CliOptions& o) {
  const std::pair<Format, const std::string*> wanted[] = {{Format::Json, &raw.json_path},
                                                          {Format::Junit, &raw.junit_path},
                                                          {Format::Sarif, &raw.sarif_path},
                                                          {Format::Html, &raw.html_path},
                                                          {Format::Markdown, &raw.markdown_path}};
  int on_stdout = 0;
  for (const auto& [format, path] : wanted) {
    const std::string flag = std::string("--") + format_name(format);
    if (!app.count(flag)) continue;
    if (path->empty()) return flag + ": give a path, or - for stdout";
    if (*path == "-" && ++on_stdout > 1) return "only one report can go to stdout (-)";
    for (const auto& [other, other_path] : o.reports) {
      if (*path != "-" && other_path == *path)
        return flag + " " + *path + ": --" + format_name(other) + " writes there already";
    }
    o.reports.push_back({format, *path});
  }
  return std::nullopt;
}

// --list-rules and --explain print and end the run.
std::optional<ParsedCli> rule_commands(const CLI::App& app, const RawCli& raw) {
  if (raw.list_rules) return print_and_exit(render_rule_list());
  if (!app.count("--explain")) return std::nullopt;
  if (const RuleDef* rule = find_rule(raw.explain))
    return print_and_exit(render_explanation(*rule));
  return usage_error("--explain: unknown rule '" + raw.explain + "' (did you mean '" +
                     closest_rule(raw.explain) + "'? see --list-rules)");
}

// daemoncheck control [OPTIONS] -- SCRIPT [ARGS...]
ParsedCli parse_control(int argc, char** argv) {
  ParsedCli r;
  CliOptions& o = r.options;
  CheckOptions& c = o.check;
  RawCli raw;
  c.profile = ProfileId::Control;
  c.timeout_s = 300;
  std::string actions;
  bool no_decoy = false;
  std::vector<std::string> args = take_command(argc - 1, argv + 1, c.command);
  CLI::App app{
      "daemoncheck control: drives a start/stop/status script through the LSB actions "
      "(status, start, start again, stop, stop again, restart, a crash, a stale pidfile "
      "naming an unrelated process, an unknown action), with two decoys that look like the "
      "daemon, and judges every answer.",
      "daemoncheck control"};
  app.formatter(std::make_shared<UsageFormatter>(
      "\nUsage: daemoncheck control [OPTIONS] -- SCRIPT [ARGS...]\n"));
  app.footer(
      "Exit status: 0 pass, 1 fail, 2 usage error, 3 the check could not be run (a missing or "
      "non-executable SCRIPT).");
  app.add_option("--pidfile", c.pidfile,
                 "the daemon's pidfile, when discovery cannot find it ({tmp} is the run's temp "
                 "directory)")
      ->type_name("PATH")
      ->group(kCheck);
  app.add_option("--actions", actions,
                 "the actions the script has: start,stop,status,restart and any of run, reload, "
                 "force-reload, try-restart")
      ->type_name("LIST")
      ->default_str("start,stop,status,restart")
      ->group(kCheck);
  app.add_option("--action-timeout", c.control.action_timeout_s,
                 "seconds an action may run; then it is killed with what it started")
      ->type_name("S")
      ->check(CLI::PositiveNumber)
      ->default_str("10")
      ->group(kCheck);
  app.add_flag("--no-decoy", no_decoy, "plant no decoy (decoy-untouched skips)")->group(kCheck);
  app.add_option("--timeout", c.timeout_s,
                 "seconds the whole check may take; what is still running then is ended")
      ->type_name("S")
      ->check(CLI::PositiveNumber)
      ->default_str("300")
      ->group(kCheck);
  app.add_option("--settle-ms", c.settle_ms,
                 "quiet window (ms) that ends an action's settling when no pidfile is known")
      ->type_name("MS")
      ->check(CLI::Range(1.0, 60000.0))
      ->default_str("30")
      ->group(kCheck);
  app.add_flag("--no-isolation", raw.no_isolation,
               "do not run the script in its own PID namespace, pids cgroup and private "
               "/run, /tmp, /var/tmp")
      ->group(kCheck);
  add_verdict_options(app, o, raw);
  add_report_options(app, o, raw);
  app.add_option("script", raw.rest, "the script and its arguments (after --)");
  app.prefix_command(true);
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    return print_and_exit(app.help());
  } catch (const CLI::ParseError& e) {
    return usage_error("control: " + stderr_line(e.what()));
  }
  for (const auto& x : app.remaining()) raw.rest.push_back(x);
  if (c.command.empty())
    c.command = raw.rest;
  else if (!raw.rest.empty())
    return usage_error("control: unexpected argument before --: " + raw.rest.front());
  if (c.command.empty())
    return usage_error("control: no script to check: daemoncheck control [OPTIONS] -- SCRIPT");
  if (app.count("--actions")) {
    c.control.actions.clear();
    const std::vector<std::string> known{"start", "stop",   "status",       "restart",
                                         "run",   "reload", "force-reload", "try-restart"};
    size_t at = 0;
    while (at <= actions.size()) {
      size_t comma = actions.find(',', at);
      if (comma == std::string::npos) comma = actions.size();
      std::string a = actions.substr(at, comma - at);
      if (std::find(known.begin(), known.end(), a) == known.end())
        return usage_error("control: --actions: unknown action '" + escape_bytes(a, '\'') +
                           "' (known: start, stop, status, restart, run, reload, "
                           "force-reload, try-restart)");
      c.control.actions.push_back(a);
      at = comma + 1;
    }
  }
  c.control.decoys = !no_decoy;
  Problem problem = resolve_waivers(app.count("--waivers") > 0, raw, o.waivers);
  if (!problem) problem = resolve_reports(app, raw, o);
  if (problem) return usage_error("control: " + *problem);
  o.color = color_mode(raw.color);
  o.isolate = !raw.no_isolation;
  return r;
}

}  // namespace

bool use_color(ColorMode mode, int fd) {
  if (mode != ColorMode::Auto) return mode == ColorMode::Always;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return ::isatty(fd) == 1;
}

ParsedCli parse_cli(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "render") return parse_render(argc, argv);
  if (argc >= 2 && std::string_view(argv[1]) == "suite") return parse_suite(argc, argv);
  if (argc >= 2 && std::string_view(argv[1]) == "control") return parse_control(argc, argv);

  ParsedCli r;
  CliOptions& o = r.options;
  RawCli raw;
  std::vector<std::string> args = take_command(argc, argv, o.check.command);

  CLI::App app{
      "daemoncheck: launches a program the way a messy interactive shell would, catches "
      "the daemon it becomes, and scores how well it daemonized.",
      "daemoncheck"};
  describe_main(app);
  add_check_options(app, o.check, raw);
  add_expectation_options(app, o.check, raw);
  add_verdict_options(app, o, raw);
  add_report_options(app, o, raw);
  add_rule_options(app, raw);
  app.add_option("command", raw.rest, "the program to check and its arguments (after --)");
  app.prefix_command(true);

  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    return print_and_exit(app.help());
  } catch (const CLI::CallForVersion&) {
    return print_and_exit(app.version() + "\n");
  } catch (const CLI::ParseError& e) {
    return usage_error(stderr_line(e.what()));
  }
  if (auto done = rule_commands(app, raw)) return *done;
  // Checked in this order; the first problem found is the one reported.
  Problem problem = resolve_target(app, raw, o.check);
  if (!problem) problem = resolve_expectations(raw, o.check);
  if (!problem) problem = resolve_waivers(app.count("--waivers") > 0, raw, o.waivers);
  if (!problem) problem = resolve_reports(app, raw, o);
  if (problem) return usage_error(*problem);
  o.color = color_mode(raw.color);
  o.isolate = !raw.no_isolation;
  return r;
}

}  // namespace dc
