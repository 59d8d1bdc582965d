// Tests of the unit --profile systemd makes up from its command line: read
// back by the unit reader, it gives the command unchanged, whatever its
// arguments hold, and the settings the systemd profile's rules rely on.
#include "unit/made_up.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "unit/service_config.h"
#include "unit/unit_file.h"

namespace dc::unit {
namespace {

using Strings = std::vector<std::string>;

ServiceConfig read_back(const MadeUpService& made) {
  UnitFile unit;
  unit.name = *split_unit_name(kMadeUpUnitName);
  parse_unit_text(made_up_unit_text(made), "", unit.assignments, unit.findings);
  EXPECT_TRUE(unit.findings.empty());
  Result<ServiceConfig> c = resolve_service(unit, SpecifierHost{});
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message());
  return c ? *c : ServiceConfig{};
}

TEST(MadeUpUnit, SimpleByDefaultWithNotifySocketAndMixedKillMode) {
  ServiceConfig c =
      read_back({.program = "/usr/sbin/d", .argv = {"d", "-f"}, .notify = false, .pid_file = {}});
  EXPECT_EQ(c.type, ServiceType::simple);
  EXPECT_EQ(c.notify_access, NotifyAccess::main);
  EXPECT_EQ(c.kill_mode, KillMode::mixed);
  EXPECT_FALSE(c.pid_file);
  ASSERT_EQ(c.exec_start.size(), 1u);
  EXPECT_EQ(c.exec_start[0].path, "/usr/sbin/d");
  EXPECT_EQ(c.exec_start[0].argv, (Strings{"/usr/sbin/d", "-f"}));
  EXPECT_TRUE(c.findings.empty());
}

TEST(MadeUpUnit, NotifyAndPidfile) {
  ServiceConfig c = read_back(
      {.program = "/bin/d", .argv = {"./d"}, .notify = true, .pid_file = "/tmp/x 100%/d.pid"});
  EXPECT_EQ(c.type, ServiceType::notify);
  ASSERT_TRUE(c.pid_file);
  EXPECT_EQ(*c.pid_file, "/tmp/x 100%/d.pid");
}

// Every argument comes back byte for byte: specifiers, variables, quotes,
// backslashes, blanks, a lone semicolon, control characters, UTF-8, nothing.
TEST(MadeUpUnit, ArgumentsComeBackUnchanged) {
  const Strings args{"/bin/prog", "%n",          "$HOME", "${X}",    "a b",       "\"q\"",
                     "it's",      "back\\slash", ";",     "",        "tab\there", "line\nbreak",
                     "é ü",       "-",           "@x",    "--opt=%%"};
  ServiceConfig c =
      read_back({.program = "/bin/prog", .argv = args, .notify = false, .pid_file = {}});
  ASSERT_EQ(c.exec_start.size(), 1u);
  EXPECT_EQ(c.exec_start[0].path, "/bin/prog");
  EXPECT_TRUE(c.exec_start[0].expand_environment);
  // What the program gets: "$$" is a "$" once variables are expanded at exec.
  std::map<std::string, std::string> env{{"HOME", "/root"}, {"X", "x"}};
  EXPECT_EQ(expand_argv(c.exec_start[0], env), args);
}

TEST(MadeUpUnit, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(quote_exec_word("--pidfile=/run/d.pid"), "--pidfile=/run/d.pid");
  EXPECT_EQ(quote_exec_word("a b"), "\"a b\"");
  EXPECT_EQ(quote_exec_word("50%"), "50%%");
  EXPECT_EQ(quote_exec_word("$X"), "$$X");
  EXPECT_EQ(quote_exec_word(""), "\"\"");
  EXPECT_EQ(quote_exec_word("\n"), "\"\\x0a\"");
}

}  // namespace
}  // namespace dc::unit
