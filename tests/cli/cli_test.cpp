// daemoncheck end to end, for its reports and its command line: real runs on
// small real programs, each report checked the way its reader would (xmllint
// with junit.xsd, the SARIF 2.1.0 schema, a step summary file), and the usage
// errors the spec promises. Every run writes its scorecard to the shared
// scorecards folder, which the scorecard_schema test validates afterwards.
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include <gtest/gtest.h>

#include "process.h"
#include "rules/catalog.h"
#include "temp_dir.h"

namespace dc::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kDaemoncheck = DC_DAEMONCHECK;
const std::string kScorecards = DC_SCORECARDS;
const std::string kHere = DC_REPORT_TESTS_DIR;
const std::vector<std::string> kForgetsSetsid = {"/bin/sh", "-c", "sleep 100 &"};

using Ran = Captured;

// Runs a program to its end (killed after 120 s); `env` adds or replaces
// variables of this process's environment.
Ran run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {}) {
  Spawn spawn{.argv = argv, .timeout = std::chrono::seconds(120)};
  if (!env.empty()) {
    std::vector<std::pair<std::string, std::optional<std::string>>> changes(env.begin(), env.end());
    spawn.env = environment_with(changes);
  }
  return run_captured(spawn);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// daemoncheck with the test suite's conventions: scorecards in the shared
// folder, one race trial to stay fast on a loaded machine.
std::vector<std::string> check(std::vector<std::string> options,
                               const std::vector<std::string>& command) {
  std::vector<std::string> argv = {kDaemoncheck, "--report-dir", kScorecards};
  if (std::find(options.begin(), options.end(), "--race-trials") == options.end())
    argv.insert(argv.end(), {"--race-trials", "1"});
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

// The scorecard a run wrote: the path is the summary's last line.
json scorecard_of(const Ran& r) {
  for (const std::string* stream : {&r.out, &r.err}) {
    const auto l = lines(*stream);
    if (!l.empty() && l.back().starts_with("report: "))
      return json::parse(slurp(l.back().substr(8)), nullptr, false);
  }
  return json();
}

void expect_valid_junit(const std::string& path) {
  Ran v = run({DC_XMLLINT, "--noout", "--schema", kHere + "/junit.xsd", path});
  EXPECT_EQ(v.status, 0) << v.out << v.err;
}

void expect_valid_sarif(const std::string& path) {
  Ran v = run({DC_PYTHON, kHere + "/validate_json.py", "--schema",
               kHere + "/sarif-schema-2.1.0.json", path});
  EXPECT_EQ(v.status, 0) << v.out << v.err;
}

void expect_one_line_usage_error(const Ran& r, const std::string& part) {
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(r.err.starts_with("daemoncheck: ")) << r.err;
  EXPECT_NE(r.err.find(part), std::string::npos) << r.err;
}

TEST(Reports, OneRunWritesEveryFormatAndEachValidates) {
  TempDir t;
  const std::string summary = t / "step-summary.md";
  write(summary, "earlier step\n");
  Ran r = run(
      check({"--junit", t / "r.xml", "--sarif", t / "r.sarif", "--html", t / "r.html", "--markdown",
             t / "r.md", "--json", t / "r.json", "--waive",
             "cwd-root=it runs in its temp dir on purpose", "--waive", "stdio-open=never fails"},
            kForgetsSetsid),
      {{"GITHUB_STEP_SUMMARY", summary}});
  ASSERT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;

  const json sc = json::parse(slurp(t / "r.json"));
  EXPECT_EQ(sc, scorecard_of(r));
  expect_valid_junit(t / "r.xml");
  expect_valid_sarif(t / "r.sarif");
  const std::string html = slurp(t / "r.html"), md = slurp(t / "r.md");
  for (const auto& rule : sc["rules"]) {
    const std::string id = rule["id"];
    EXPECT_NE(html.find("data-rule=\"" + id + "\""), std::string::npos) << id;
    EXPECT_NE(md.find("| `" + id + "` |"), std::string::npos) << id;
  }
  EXPECT_EQ(slurp(summary), "earlier step\n" + md + "\n");

  // Text: colourless through a pipe, unused waivers, verdict and report path last.
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  const auto l = lines(r.out);
  ASSERT_GE(l.size(), 4u);
  EXPECT_TRUE(l[l.size() - 2].starts_with("verdict: fail (")) << l[l.size() - 2];
  EXPECT_TRUE(l.back().starts_with("report: " + kScorecards + "/sh-")) << l.back();
  EXPECT_NE(r.out.find("\nunused waiver: stdio-open (\"never fails\"): the rule passed"),
            std::string::npos);
  EXPECT_NE(r.out.find("[waived: it runs in its temp dir on purpose]"), std::string::npos);

  // The waivers are in every format.
  EXPECT_EQ(sc["waivers"],
            json::parse(R"([{"id": "cwd-root", "reason": "it runs in its temp dir on purpose",
                                            "used": true},
                                           {"id": "stdio-open", "reason": "never fails", "used": false}])"));
  EXPECT_NE(slurp(t / "r.xml")
                .find("<property name=\"waiver.stdio-open\" value=\"unused (the rule passed): "),
            std::string::npos);
  EXPECT_NE(slurp(t / "r.sarif").find("\"justification\": \"it runs in its temp dir on purpose\""),
            std::string::npos);
  EXPECT_NE(md.find("- `stdio-open`: **unused** (the rule passed)"), std::string::npos);
  EXPECT_NE(html.find("<code>stdio-open</code> <b>unused</b>"), std::string::npos);
}

TEST(Reports, RenderGivesTheSameDocumentsAsTheRun) {
  TempDir t;
  Ran r = run(check({"--junit", t / "r.xml", "--sarif", t / "r.sarif", "--html", t / "r.html",
                     "--markdown", t / "r.md", "--json", t / "r.json"},
                    kForgetsSetsid));
  ASSERT_EQ(r.status, 1) << r.err;
  for (const auto& [format, file] :
       std::vector<std::pair<std::string, std::string>>{{"junit", "r.xml"},
                                                        {"sarif", "r.sarif"},
                                                        {"html", "r.html"},
                                                        {"markdown", "r.md"},
                                                        {"json", "r.json"}}) {
    Ran to_stdout = run({kDaemoncheck, "render", t / "r.json", "--format", format});
    EXPECT_EQ(to_stdout.status, 0) << to_stdout.err;
    EXPECT_EQ(to_stdout.out, slurp(t / file)) << format;
    Ran to_file = run(
        {kDaemoncheck, "render", t / "r.json", "--format", format, "-o", t / ("again-" + file)});
    EXPECT_EQ(to_file.status, 0) << to_file.err;
    EXPECT_EQ(slurp(t / ("again-" + file)), slurp(t / file)) << format;
  }
  Ran text = run({kDaemoncheck, "render", t / "r.json"});
  EXPECT_EQ(text.status, 0);
  EXPECT_TRUE(text.out.ends_with("report: " + t / "r.json" + "\n")) << text.out;
  EXPECT_NE(text.out.find("\nverdict: fail ("), std::string::npos);
}

// Notes and terminal output with markup and control characters: every format
// shows them, and JUnit and SARIF still validate.
TEST(Reports, NotesAndTerminalOutputAreInEveryFormat) {
  TempDir t;
  Ran r = run(check({"--json", t / "r.json"}, kForgetsSetsid));
  ASSERT_EQ(r.status, 1) << r.err;
  json sc = json::parse(slurp(t / "r.json"));
  sc["notes"] = json::array({"a <b>note</b> & \u001b[31mred"});
  sc["launch"]["terminal_output"] = "said <i>this</i>\u0007\r\nand \u001b[1mthat\r\n";
  write(t / "n.json", sc.dump());
  const std::vector<std::pair<std::string, std::vector<std::string>>> formats = {
      {"text", {"note: a <b>note</b> & "}},
      {"junit", {"- a &lt;b&gt;note&lt;/b&gt; &amp; ", "said &lt;i&gt;this&lt;/i&gt;"}},
      {"sarif", {"\"text\": \"a <b>note</b> & ", "\"terminal_output\": \"said <i>this</i>"}},
      {"html", {"<li>a &lt;b&gt;note&lt;/b&gt; &amp; ", "said &lt;i&gt;this&lt;/i&gt;"}},
      {"markdown", {"- a &lt;b\\>note&lt;/b\\> &amp; ", "said <i>this</i>"}}};
  for (const auto& [format, wanted] : formats) {
    const std::string out = t / ("n." + format);
    Ran x = run({kDaemoncheck, "render", t / "n.json", "--format", format, "-o", out});
    ASSERT_EQ(x.status, 0) << format << ": " << x.err;
    const std::string doc = slurp(out);
    for (const auto& w : wanted) EXPECT_NE(doc.find(w), std::string::npos) << format << ": " << w;
    EXPECT_EQ(doc.find('\x1b'), std::string::npos) << format;
    EXPECT_EQ(doc.find('\x07'), std::string::npos) << format;
  }
  expect_valid_junit(t / "n.junit");
  expect_valid_sarif(t / "n.sarif");
}

TEST(Reports, TheExampleDaemonPassesInEveryFormat) {
  const std::string example = DC_EXAMPLE_DAEMON;
  if (example.empty()) GTEST_SKIP() << "no example-daemon in this build";
  TempDir t;
  Ran r = run(check({"--pidfile", "{tmp}/example.pid", "--junit", t / "r.xml", "--sarif",
                     t / "r.sarif", "--html", t / "r.html", "--markdown", t / "r.md"},
                    {example, "--pidfile", "{tmp}/example.pid", "--log", "{tmp}/example.log"}));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  expect_valid_junit(t / "r.xml");
  expect_valid_sarif(t / "r.sarif");
  EXPECT_NE(slurp(t / "r.xml").find("failures=\"0\" errors=\"0\""), std::string::npos);
  const json sarif = json::parse(slurp(t / "r.sarif"));
  for (const auto& x : sarif["runs"][0]["results"]) EXPECT_NE(x["kind"], "fail") << x["ruleId"];
  EXPECT_TRUE(slurp(t / "r.md").starts_with("## ✅ daemoncheck: pass"));
  EXPECT_NE(slurp(t / "r.html").find("<section class=\"verdict pass\""), std::string::npos);
  EXPECT_NE(r.out.find("\nverdict: pass ("), std::string::npos);
}

// A device or a pipe at a report's path is written into, never replaced by a
// file (as root, replacing /dev/null would break every program on the host);
// a symbolic link to one is refused, and a pipe without a reader is not
// waited for.
TEST(Reports, ADeviceOrPipeIsWrittenIntoNeverReplaced) {
  TempDir t;
  ASSERT_EQ(::mknod((t / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  struct stat before {};
  ASSERT_EQ(::stat((t / "null").c_str(), &before), 0);
  Ran r = run(check({"--json", t / "null", "--junit", t / "r.xml"}, kForgetsSetsid));
  ASSERT_EQ(r.status, 1) << r.err;
  struct stat after {};
  ASSERT_EQ(::lstat((t / "null").c_str(), &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(after.st_ino, before.st_ino);
  expect_valid_junit(t / "r.xml");

  fs::create_symlink(t / "null", t / "link");
  r = run(check({"--json", t / "link"}, kForgetsSetsid));
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("a symbolic link to a device or pipe"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_symlink(t / "link"));

  ASSERT_EQ(::mkfifo((t / "fifo").c_str(), 0600), 0);
  r = run(check({"--json", t / "fifo"}, kForgetsSetsid));  // nobody reads it
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("no reader"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_fifo(t / "fifo"));
}

TEST(Reports, AreNeverWrittenThroughASymlink) {
  TempDir t;
  write(t / "victim", "keep me\n");
  fs::create_symlink(t / "victim", t / "r.xml");
  fs::create_symlink(t / "victim", t / "r.html");
  Ran r = run(check({"--junit", t / "r.xml", "--html", t / "r.html", "--json", t / "r.json"},
                    kForgetsSetsid));
  ASSERT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(slurp(t / "victim"), "keep me\n");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(t / "r.xml")));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(t / "r.html")));
  expect_valid_junit(t / "r.xml");
  fs::create_symlink(t / "victim", t / "again.md");
  Ran render =
      run({kDaemoncheck, "render", t / "r.json", "--format", "markdown", "-o", t / "again.md"});
  EXPECT_EQ(render.status, 0) << render.err;
  EXPECT_EQ(slurp(t / "victim"), "keep me\n");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(t / "again.md")));
  // And no temporary file is left beside them.
  for (const auto& e : fs::directory_iterator(t.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST(Reports, AReportThatCannotBeWrittenStopsTheRunWithStatus3) {
  TempDir t;
  Ran r = run(check({"--junit", t / "missing/r.xml"}, kForgetsSetsid));
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("cannot write --junit " + t / "missing/r.xml"), std::string::npos) << r.err;
  write(t / "a-file", "");
  Ran dir = run({kDaemoncheck, "--report-dir", t / "a-file", "--", "/bin/true"});
  EXPECT_EQ(dir.status, 3) << dir.err;
  EXPECT_NE(dir.err.find("not a directory"), std::string::npos) << dir.err;
  Ran render = run({kDaemoncheck, "render", DC_SCORECARD_SCHEMA});
  EXPECT_EQ(render.status, 2);  // a JSON file, but not a scorecard
}

TEST(Reports, OneReportCanGoToStdoutAndTheSummaryMovesToStderr) {
  Ran r = run(check({"--sarif", "-"}, kForgetsSetsid));
  ASSERT_EQ(r.status, 1) << r.err;
  const json sarif = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(sarif.is_discarded()) << r.out.substr(0, 200);
  EXPECT_EQ(sarif["version"], "2.1.0");
  EXPECT_NE(r.err.find("\nverdict: fail ("), std::string::npos) << r.err;
  EXPECT_TRUE(scorecard_of(r).is_object());
}

TEST(Reports, AWaiversFileIsReadAndRecorded) {
  TempDir t;
  write(t / "waivers",
        "# our harness\n\ncwd-root  it runs in its temp dir\npidfile-matches not yet\n");
  Ran r = run(check({"--waivers", t / "waivers"}, kForgetsSetsid));
  ASSERT_EQ(r.status, 1) << r.err;
  const json sc = scorecard_of(r);
  ASSERT_TRUE(sc.is_object()) << r.out;
  EXPECT_EQ(
      sc["waivers"][0],
      json::parse(R"({"id": "cwd-root", "reason": "it runs in its temp dir", "used": true})"));
  EXPECT_EQ(sc["waivers"][1]["used"], false);
  EXPECT_NE(r.out.find("unused waiver: pidfile-matches (\"not yet\"): the rule was skipped"),
            std::string::npos)
      << r.out;
}

TEST(Reports, AttachChecksARunningProcessWithoutACommand) {
  pid_t sleeper = -1;
  char arg0[] = "/bin/sleep", arg1[] = "60";
  char* argv[] = {arg0, arg1, nullptr};
  ASSERT_EQ(posix_spawn(&sleeper, arg0, nullptr, nullptr, argv, environ), 0);
  Ran r = run({kDaemoncheck, "--report-dir", kScorecards, "--attach", std::to_string(sleeper)});
  kill(sleeper, SIGKILL);  // our own unreaped child
  waitpid(sleeper, nullptr, 0);
  EXPECT_TRUE(r.status == 0 || r.status == 1) << r.status << r.err;
  const json sc = scorecard_of(r);
  ASSERT_TRUE(sc.is_object()) << r.out << r.err;
  ASSERT_EQ(sc["daemons"].size(), 1u);
  EXPECT_EQ(sc["daemons"][0]["pid"], sleeper);
}

// ---- the command line ---------------------------------------------------------

TEST(Cli, ListRulesNamesEveryRuleOfTheSpec) {
  Ran r = run({kDaemoncheck, "--list-rules"});
  ASSERT_EQ(r.status, 0) << r.err;
  // Every rule of the catalogue with its severity ("*": it depends on the
  // options); which rules there are is checked against the man page by
  // catalogue_consistency_test.
  std::vector<std::pair<std::string, std::string>> spec;
  for (const dc::RuleDef& rule : dc::catalog())
    spec.emplace_back(rule.id,
                      std::string(dc::to_string(rule.severity)) + (rule.severity_for ? "*" : ""));
  ASSERT_FALSE(spec.empty());
  for (const auto& [id, severity] : spec) {
    bool found = false;
    for (const auto& l : lines(r.out)) {
      std::istringstream words(l);
      std::string first, second;
      words >> first >> second;
      if (first != id) continue;
      found = true;
      EXPECT_EQ(second, severity) << l;
    }
    EXPECT_TRUE(found) << id;
  }
}

TEST(Cli, ExplainPrintsWhatWhyHowAndThreeFixesForEveryRule) {
  Ran list = run({kDaemoncheck, "--list-rules"});
  std::vector<std::string> ids;
  for (const auto& l : lines(list.out)) {
    if (l.empty()) break;
    if (!l.starts_with("RULE ")) ids.push_back(l.substr(0, l.find(' ')));
  }
  ASSERT_GE(ids.size(), 27u);
  for (const auto& id : ids) {
    Ran r = run({kDaemoncheck, "--explain", id});
    ASSERT_EQ(r.status, 0) << id << r.err;
    EXPECT_TRUE(r.err.empty());
    EXPECT_TRUE(r.out.starts_with(id + ": ")) << r.out;
    for (const char* head : {"What it checks", "Why it matters", "How daemoncheck observes it"}) {
      const size_t at = r.out.find(std::string("\n") + head + "\n  ");
      EXPECT_NE(at, std::string::npos) << id << ": " << head;
    }
    // A control rule judges a script: its fix is shell only.
    const bool script_only = r.out.find(", profile control, ") != std::string::npos;
    std::vector<const char*> fixes = {"Fix in shell"};
    if (!script_only) fixes.insert(fixes.begin(), {"Fix in C", "Fix in Python"});
    for (const char* head : fixes) {
      const size_t at = r.out.find(std::string("\n") + head + "\n    ");
      ASSERT_NE(at, std::string::npos) << id << ": " << head;
      const size_t code = at + std::string(head).size() + 6;
      EXPECT_GT(r.out.find('\n', code), code + 2) << id << ": " << head << " is empty";
    }
  }
}

TEST(Cli, UsageErrorsAreOneLineWithStatus2) {
  TempDir t;
  write(t / "not-a-scorecard.json", "{\"schema\": \"something/1\"}");
  write(t / "broken.json", "{\"schema\": ");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--bogus", "--", "/bin/true"}, "--bogus"},
      {{}, "no command to check"},
      {{"--attach", "1"}, "--attach"},
      {{"--attach", "4242", "--", "/bin/true"}, "give no command after --"},
      {{"--color", "pink", "--", "/bin/true"}, "--color"},
      {{"--waive", "cwd-rot=x", "--", "/bin/true"}, "did you mean 'cwd-root'?"},
      {{"--junit", "a.xml", "--html", "a.xml", "--", "/bin/true"}, "writes there already"},
      {{"--explain", "single-instanse"}, "did you mean 'single-instance'?"},
      {{"--waivers", t / "missing", "--", "/bin/true"}, "No such file"},
      {{"render"}, "render: "},
      {{"render", t / "missing.json"}, "No such file"},
      {{"render", t / "not-a-scorecard.json"}, "not a daemoncheck scorecard"},
      {{"render", t / "broken.json"}, "not JSON"},
      {{"render", t / "broken.json", "--format", "pdf"}, "unknown format 'pdf'"},
  };
  for (const auto& [args, part] : cases) {
    std::vector<std::string> argv = {kDaemoncheck};
    argv.insert(argv.end(), args.begin(), args.end());
    SCOPED_TRACE(args.empty() ? "(none)" : args.front());
    expect_one_line_usage_error(run(argv), part);
  }
}

TEST(Cli, AWaiversFileErrorNamesFileAndLine) {
  TempDir t;
  write(t / "w", "# ok\ncwd-root fine\numask-reset\n");
  expect_one_line_usage_error(run(check({"--waivers", t / "w"}, {"/bin/true"})),
                              t / "w" + ":3: no reason");
  write(t / "w", "\ncwd-rot because\n");
  expect_one_line_usage_error(run(check({"--waivers", t / "w"}, {"/bin/true"})),
                              t / "w" + ":2: unknown rule id 'cwd-rot' (did you mean 'cwd-root'?)");
}

// ---- colour ---------------------------------------------------------------------

// Runs argv on a fresh pseudo-terminal and returns what it printed there.
std::string run_on_terminal(const std::vector<std::string>& argv,
                            const std::vector<std::string>& env) {
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    std::vector<char*> args, envp;
    std::vector<std::string> a = argv, e = env;
    for (auto& s : a) args.push_back(s.data());
    args.push_back(nullptr);
    for (auto& s : e) envp.push_back(s.data());
    envp.push_back(nullptr);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  std::string out;
  if (pid < 0) return out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n > 0)
      out.append(buf, static_cast<size_t>(n));
    else if (n < 0 && errno == EINTR)
      continue;
    else
      break;  // EIO: the child closed the terminal
  }
  close(master);
  waitpid(pid, nullptr, 0);
  return out;
}

TEST(Cli, ColourOnlyOnATerminalAndNotUnderNoColor) {
  TempDir t;
  Ran r = run(check({"--json", t / "r.json", "--race-trials", "0"}, kForgetsSetsid));
  ASSERT_EQ(r.status, 1) << r.err;
  const std::string render_text[] = {kDaemoncheck, "render", t / "r.json"};
  const std::vector<std::string> base(std::begin(render_text), std::end(render_text));
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> v = base;
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  const std::string esc = "\x1b[";
  EXPECT_NE(run_on_terminal(base, {"TERM=xterm", "PATH=/usr/bin:/bin"}).find(esc),
            std::string::npos);
  EXPECT_EQ(run_on_terminal(base, {"TERM=xterm", "PATH=/usr/bin:/bin", "NO_COLOR=1"}).find(esc),
            std::string::npos);
  EXPECT_EQ(run_on_terminal(base, {"TERM=dumb"}).find(esc), std::string::npos);
  EXPECT_NE(run_on_terminal(base, {"TERM=xterm", "PATH=/usr/bin:/bin", "NO_COLOR="}).find(esc),
            std::string::npos);
  EXPECT_EQ(
      run_on_terminal(with({"--color", "never"}), {"TERM=xterm", "PATH=/usr/bin:/bin"}).find(esc),
      std::string::npos);
  EXPECT_EQ(run(base).out.find(esc), std::string::npos);
  EXPECT_NE(run(with({"--color", "always"}), {{"NO_COLOR", "1"}}).out.find(esc), std::string::npos);
  // The same choice for a run's own summary.
  EXPECT_NE(run_on_terminal(check({"--race-trials", "0"}, kForgetsSetsid),
                            {"TERM=xterm", "PATH=/usr/bin:/bin"})
                .find(esc + "1;31mverdict: fail"),
            std::string::npos);
}

}  // namespace
}  // namespace dc::test
