// See options.h.
#include "cli/options.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
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
  for (const Profile* p : all_profiles()) out.emplace_back(p->name);
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
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
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
    return usage_error(std::string(name) + ": " + one_line(e.what()));
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

  CLI::App app{
      "daemoncheck: launches a program the way a messy interactive shell would, catches "
      "the daemon it becomes, and scores how well it daemonized.",
      "daemoncheck"};
  app.formatter(std::make_shared<UsageFormatter>(
      "\nUsage: daemoncheck [OPTIONS] -- CMD [ARGS...]\n"
      "       daemoncheck [OPTIONS] --attach PID\n"
      "       daemoncheck render SCORECARD.json [--format FORMAT] [-o PATH]\n"
      "       daemoncheck suite [--jobs N] [--set KEY=VALUE]... FILE...\n"
      "       daemoncheck --list-rules | --explain RULE\n"));
  app.footer(
      "Exit status: 0 pass, 1 fail, 2 usage error, 3 the check could not be run.\n"
      "See daemoncheck(1), and daemoncheck --explain RULE for any rule.");
  app.set_version_flag("--version", std::string("daemoncheck ") + DAEMONCHECK_VERSION);
  constexpr const char* kCheck = "Check";
  constexpr const char* kExpect = "Expectations";
  constexpr const char* kVerdict = "Verdict";
  constexpr const char* kReports = "Reports";
  constexpr const char* kRules = "Rules";

  std::string profile_name = "sysv";
  app.add_option("--profile", profile_name,
                 "sysv (a self-forking daemon) or systemd (a foreground service)")
      ->type_name("NAME")
      ->check(CLI::IsMember(known_profiles()))
      ->default_str("sysv")
      ->group(kCheck);
  app.add_option("--pidfile", c.pidfile, "the daemon's pidfile ({tmp} is the run's temp directory)")
      ->type_name("PATH")
      ->group(kCheck);
  app.add_flag("--notify", c.notify, "systemd profile: READY=1 on NOTIFY_SOCKET is required")
      ->group(kCheck);
  std::string attach_text;
  app.add_option("--attach", attach_text,
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
  bool no_isolation = false;
  app.add_flag("--no-isolation", no_isolation,
               "do not run the target in its own PID namespace and pids cgroup (by default "
               "nothing survives even a SIGKILL of daemoncheck)")
      ->group(kCheck);
  app.add_option("--race-trials", c.race_trials,
                 "launches as session leader for race-free-startup (0 skips)")
      ->type_name("N")
      ->check(CLI::Range(0, 100))
      ->default_str("5")
      ->group(kCheck);

  app.add_option("--expect-cwd", c.expect_cwd,
                 "the working directory the daemon should have (default /)")
      ->type_name("DIR")
      ->group(kExpect);
  std::string umask_text;
  app.add_option("--expect-umask", umask_text, "the umask (octal) the daemon should have")
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

  std::vector<std::string> waives;
  app.add_option("--waive", waives,
                 "report a failure of rule ID as waived, with the reason (repeatable)")
      ->type_name("ID=REASON")
      ->group(kVerdict);
  std::string waivers_file;
  app.add_option("--waivers", waivers_file,
                 "waivers from FILE: one 'RULE-ID reason' a line, # comments")
      ->type_name("FILE")
      ->group(kVerdict);
  app.add_flag("--strict", o.strict, "recommended rules gate the verdict too")->group(kVerdict);

  app.add_option("--report-dir", o.report_dir, "folder for the scorecard")
      ->type_name("DIR")
      ->default_str("reports")
      ->group(kReports);
  std::string json_path, junit_path, sarif_path, html_path, markdown_path;
  app.add_option("--json", json_path, "also write the scorecard to PATH (- for stdout)")
      ->type_name("PATH")
      ->group(kReports);
  app.add_option("--junit", junit_path, "write JUnit XML to PATH (- for stdout)")
      ->type_name("PATH")
      ->group(kReports);
  app.add_option("--sarif", sarif_path, "write SARIF 2.1.0 to PATH (- for stdout)")
      ->type_name("PATH")
      ->group(kReports);
  app.add_option("--html", html_path, "write a self-contained HTML page to PATH (- for stdout)")
      ->type_name("PATH")
      ->group(kReports);
  app.add_option("--markdown", markdown_path,
                 "write Markdown to PATH (- for stdout); $GITHUB_STEP_SUMMARY also gets it")
      ->type_name("PATH")
      ->group(kReports);
  std::string color = "auto";
  app.add_option("--color", color,
                 "colour the summary: auto (on a terminal, unless NO_COLOR), always, never")
      ->type_name("WHEN")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->default_str("auto")
      ->group(kReports);
  app.add_flag("--quiet,-q", o.quiet, "print no summary")->group(kReports);

  bool list_rules = false;
  app.add_flag("--list-rules", list_rules, "list every rule: id, severity, profile, seed step")
      ->group(kRules);
  std::string explain;
  app.add_option("--explain", explain,
                 "what RULE checks, why it matters, how it is observed, and its fix in C, Python "
                 "and shell")
      ->type_name("RULE")
      ->group(kRules);

  std::vector<std::string> rest;
  app.add_option("command", rest, "the program to check and its arguments (after --)");
  app.prefix_command(true);

  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    return print_and_exit(app.help());
  } catch (const CLI::CallForVersion&) {
    return print_and_exit(app.version() + "\n");
  } catch (const CLI::ParseError& e) {
    return usage_error(one_line(e.what()));
  }

  // Commands that need no run.
  if (list_rules) return print_and_exit(render_rule_list());
  if (app.count("--explain")) {
    if (const RuleDef* rule = find_rule(explain)) return print_and_exit(render_explanation(*rule));
    return usage_error("--explain: unknown rule '" + explain + "' (did you mean '" +
                       closest_rule(explain) + "'? see --list-rules)");
  }

  for (const auto& x : app.remaining()) rest.push_back(x);
  if (c.command.empty())
    c.command = rest;
  else if (!rest.empty())
    return usage_error("unexpected argument before --: " + rest.front());
  if (!attach_text.empty() || app.count("--attach")) {
    auto pid = parse_unsigned(attach_text);
    if (!pid || *pid < 2 || *pid > 0x3fffffff)
      return usage_error("--attach: not the pid of a daemon: '" + attach_text + "'");
    if (!c.command.empty())
      return usage_error(
          "--attach checks a daemon that is already running: give no command after --");
    c.attach = static_cast<pid_t>(*pid);
  } else if (c.command.empty()) {
    return usage_error("no command to check: daemoncheck [OPTIONS] -- CMD [ARGS...]");
  }
  c.profile = *profile_named(profile_name);
  if (c.notify && profile(c.profile).launch != LaunchKind::Foreground)
    return usage_error("--notify needs --profile systemd");

  if (!umask_text.empty()) {
    auto m = parse_unsigned(umask_text, 8);
    if (!m || *m > 0777) return usage_error("--expect-umask: not an octal umask: " + umask_text);
    c.expect_umask = *m;
  }
  if (c.expect_user) {
    if (auto uid = parse_unsigned(*c.expect_user)) {
      c.expect_uid = *uid;
    } else if (const passwd* pw = ::getpwnam(c.expect_user->c_str())) {
      c.expect_uid = pw->pw_uid;
      if (!c.expect_group) c.expect_gid = pw->pw_gid;
    } else {
      return usage_error("--expect-user: no such user: " + *c.expect_user);
    }
  }
  if (c.expect_group) {
    if (auto gid = parse_unsigned(*c.expect_group)) {
      c.expect_gid = *gid;
    } else if (const group* gr = ::getgrnam(c.expect_group->c_str())) {
      c.expect_gid = gr->gr_gid;
    } else {
      return usage_error("--expect-group: no such group: " + *c.expect_group);
    }
  }

  // Waivers: the file's first, then --waive; one waiver per rule.
  if (app.count("--waivers")) {
    auto from_file = read_waivers_file(waivers_file);
    if (!from_file) return usage_error(from_file.error().message);
    o.waivers = std::move(*from_file);
  }
  for (const auto& w : waives) {
    auto eq = w.find('=');
    std::string id = w.substr(0, eq);
    std::string reason = eq == std::string::npos ? "" : w.substr(eq + 1);
    if (!find_rule(id))
      return usage_error("--waive: unknown rule id '" + escape_bytes(id.substr(0, 40), '\'') +
                         "' (did you mean '" + closest_rule(id) + "'?)");
    if (reason.empty()) return usage_error("--waive " + id + ": give a reason, as ID=REASON");
    for (const auto& earlier : o.waivers) {
      if (earlier.id == id)
        return usage_error("--waive " + id + ": the rule is waived already" +
                           (app.count("--waivers") ? " (by --waivers or an earlier --waive)" : ""));
    }
    o.waivers.push_back({id, reason, false});
  }

  // Reports: each path once, at most one on stdout.
  const std::pair<Format, std::string*> wanted[] = {{Format::Json, &json_path},
                                                    {Format::Junit, &junit_path},
                                                    {Format::Sarif, &sarif_path},
                                                    {Format::Html, &html_path},
                                                    {Format::Markdown, &markdown_path}};
  int on_stdout = 0;
  for (const auto& [format, path] : wanted) {
    const std::string flag = std::string("--") + format_name(format);
    if (!app.count(flag)) continue;
    if (path->empty()) return usage_error(flag + ": give a path, or - for stdout");
    if (*path == "-" && ++on_stdout > 1) return usage_error("only one report can go to stdout (-)");
    for (const auto& [other, other_path] : o.reports) {
      if (*path != "-" && other_path == *path)
        return usage_error(flag + " " + *path + ": --" + format_name(other) +
                           " writes there already");
    }
    o.reports.push_back({format, *path});
  }
  o.color = color_mode(color);
  o.isolate = !no_isolation;
  return r;
}

}  // namespace dc
