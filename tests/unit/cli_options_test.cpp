// The command line: what each flag sets, and the usage errors (exit 2, one line).
#include "cli/options.h"

#include <gtest/gtest.h>

#include <initializer_list>

namespace dc {
namespace {

ParsedCli parse(std::initializer_list<const char*> args) {
  std::vector<std::string> owned = {"daemoncheck"};
  owned.insert(owned.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : owned) argv.push_back(s.data());
  return parse_cli(static_cast<int>(argv.size()), argv.data());
}

void expect_usage_error(std::initializer_list<const char*> args, const std::string& part) {
  ParsedCli r = parse(args);
  EXPECT_EQ(r.outcome, ParsedCli::kExit);
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.error.find(part), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find('\n'), std::string::npos) << r.error;
  EXPECT_TRUE(r.out.empty());
}

TEST(Cli, CommandAfterDoubleDash) {
  ParsedCli r = parse({"--race-trials", "1", "--", "/bin/sh", "-c", "sleep 1 &"});
  ASSERT_EQ(r.outcome, ParsedCli::kRun) << r.error;
  EXPECT_EQ(r.options.check.command, (std::vector<std::string>{"/bin/sh", "-c", "sleep 1 &"}));
  EXPECT_EQ(r.options.check.race_trials, 1);
  EXPECT_FALSE(r.options.check.attach);
}

TEST(Cli, AttachNeedsNoCommandAndConflictsWithOne) {
  ParsedCli r = parse({"--attach", "4242"});
  ASSERT_EQ(r.outcome, ParsedCli::kRun) << r.error;
  EXPECT_EQ(r.options.check.attach, 4242);
  EXPECT_TRUE(r.options.check.command.empty());
  expect_usage_error({"--attach", "4242", "--", "true"}, "give no command after --");
  expect_usage_error({"--attach", "1"}, "--attach: not the pid of a daemon");
  expect_usage_error({"--attach", "0"}, "--attach");
  expect_usage_error({"--attach", "-5"}, "--attach");
  expect_usage_error({"--attach", "12x"}, "--attach");
}

TEST(Cli, ReportsInTheOrderGiven) {
  ParsedCli r = parse({"--html", "r.html", "--junit", "j.xml", "--sarif", "-", "--markdown", "m.md",
                       "--json", "s.json", "--", "true"});
  ASSERT_EQ(r.outcome, ParsedCli::kRun) << r.error;
  // The flags' order is fixed (json, junit, sarif, html, markdown), not the command line's.
  std::vector<std::pair<Format, std::string>> want = {{Format::Json, "s.json"},
                                                      {Format::Junit, "j.xml"},
                                                      {Format::Sarif, "-"},
                                                      {Format::Html, "r.html"},
                                                      {Format::Markdown, "m.md"}};
  EXPECT_EQ(r.options.reports, want);
}

TEST(Cli, ReportPathsMustDiffer) {
  expect_usage_error({"--junit", "a", "--html", "a", "--", "true"},
                     "--html a: --junit writes there already");
  expect_usage_error({"--junit", "-", "--html", "-", "--", "true"},
                     "only one report can go to stdout");
  expect_usage_error({"--junit", "", "--", "true"}, "--junit: give a path");
}

TEST(Cli, Colour) {
  EXPECT_EQ(parse({"--", "true"}).options.color, ColorMode::Auto);
  EXPECT_EQ(parse({"--color", "always", "--", "true"}).options.color, ColorMode::Always);
  EXPECT_EQ(parse({"--color", "never", "--", "true"}).options.color, ColorMode::Never);
  expect_usage_error({"--color", "pink", "--", "true"}, "--color");
  EXPECT_TRUE(use_color(ColorMode::Always, -1));
  EXPECT_FALSE(use_color(ColorMode::Never, -1));
  EXPECT_FALSE(use_color(ColorMode::Auto, -1));  // not a terminal
}

TEST(Cli, ListRulesAndExplainNeedNoCommand) {
  ParsedCli list = parse({"--list-rules"});
  EXPECT_EQ(list.outcome, ParsedCli::kExit);
  EXPECT_EQ(list.exit_status, 0);
  EXPECT_NE(list.out.find("single-instance"), std::string::npos);
  ParsedCli explain = parse({"--explain", "cwd-root"});
  EXPECT_EQ(explain.exit_status, 0);
  EXPECT_TRUE(explain.out.starts_with("cwd-root: "));
  expect_usage_error({"--explain", "cwd-rot"}, "did you mean 'cwd-root'?");
  expect_usage_error({"--explain"}, "--explain");
}

TEST(Cli, Waive) {
  ParsedCli r = parse({"--waive", "cwd-root=our harness", "--", "true"});
  ASSERT_EQ(r.outcome, ParsedCli::kRun) << r.error;
  ASSERT_EQ(r.options.waivers.size(), 1u);
  EXPECT_EQ(r.options.waivers[0].reason, "our harness");
  expect_usage_error({"--waive", "cwd-rot=x", "--", "true"}, "did you mean 'cwd-root'?");
  expect_usage_error({"--waive", "cwd-root", "--", "true"}, "give a reason");
  expect_usage_error({"--waive", "cwd-root=a", "--waive", "cwd-root=b", "--", "true"},
                     "waived already");
  expect_usage_error({"--waivers", "/nonexistent", "--", "true"},
                     "--waivers /nonexistent: No such file");
}

TEST(Cli, ProfileIsParsedIntoItsDescriptor) {
  ParsedCli r = parse({"--profile", "systemd", "--notify", "--", "true"});
  ASSERT_EQ(r.outcome, ParsedCli::kRun) << r.error;
  EXPECT_EQ(r.options.check.profile, ProfileId::Systemd);
  EXPECT_EQ(parse({"--", "true"}).options.check.profile, ProfileId::Sysv);
  expect_usage_error({"--profile", "bsd", "--", "true"}, "--profile");
}

TEST(Cli, UsageErrors) {
  expect_usage_error({}, "no command to check");
  expect_usage_error({"--bogus", "--", "true"}, "--bogus");
  expect_usage_error({"--race-trials", "x", "--", "true"}, "--race-trials");
  expect_usage_error({"--notify", "--", "true"}, "--notify needs --profile systemd");
  expect_usage_error({"--expect-umask", "9", "--", "true"}, "not an octal umask");
  expect_usage_error({"stray", "--", "true"}, "unexpected argument before --");
}

TEST(Cli, Render) {
  ParsedCli r = parse({"render", "s.json", "--format", "sarif", "-o", "out.sarif"});
  ASSERT_EQ(r.outcome, ParsedCli::kRender) << r.error;
  EXPECT_EQ(r.render.input, "s.json");
  EXPECT_EQ(r.render.format, Format::Sarif);
  EXPECT_EQ(r.render.output, "out.sarif");
  ParsedCli d = parse({"render", "s.json"});
  EXPECT_EQ(d.render.format, Format::Text);
  EXPECT_EQ(d.render.output, "-");
  expect_usage_error({"render"}, "render: ");
  expect_usage_error({"render", "s.json", "--format", "pdf"}, "unknown format 'pdf'");
  ParsedCli help = parse({"render", "--help"});
  EXPECT_EQ(help.exit_status, 0);
  EXPECT_NE(help.out.find("daemoncheck render SCORECARD.json"), std::string::npos);
}

TEST(Cli, HelpAndVersion) {
  ParsedCli help = parse({"--help"});
  EXPECT_EQ(help.exit_status, 0);
  for (const char* flag :
       {"--profile",      "--pidfile",      "--notify",      "--attach",     "--start-timeout",
        "--stop-timeout", "--settle-ms",    "--race-trials", "--expect-cwd", "--expect-umask",
        "--expect-user",  "--expect-group", "--expect-root", "--waive ",     "--waivers",
        "--strict",       "--report-dir",   "--json",        "--junit",      "--sarif",
        "--html",         "--markdown",     "--color",       "--quiet",      "--list-rules",
        "--explain",      "--version"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  EXPECT_EQ(parse({"--version"}).out, std::string("daemoncheck ") + DAEMONCHECK_VERSION + "\n");
}

}  // namespace
}  // namespace dc

namespace dc {
namespace {

// Each --set takes one KEY=VALUE: the manifests may follow it.
TEST(Cli, SuiteSetTakesOneValueEach) {
  const char* args[] = {"daemoncheck", "suite", "--set", "A=1", "--set=B=2", "m1.json", "m2.json"};
  std::vector<char*> argv;
  for (const char* a : args) argv.push_back(const_cast<char*>(a));
  ParsedCli r = parse_cli(static_cast<int>(argv.size()), argv.data());
  ASSERT_EQ(r.outcome, ParsedCli::kSuite) << r.error;
  EXPECT_EQ(r.suite.files, (std::vector<std::string>{"m1.json", "m2.json"}));
  EXPECT_EQ(r.suite.vars.at("A"), "1");
  EXPECT_EQ(r.suite.vars.at("B"), "2");
}

}  // namespace
}  // namespace dc
