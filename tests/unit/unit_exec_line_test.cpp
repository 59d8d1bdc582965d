// Tests of Exec*= command lines: prefixes, quoting and escapes, ";" between
// commands, and $VAR / ${VAR} expansion, as systemd.service(5) defines them.
#include "unit/exec_line.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace dc::unit {
namespace {

using Argv = std::vector<std::string>;

ExecCommand one(std::string_view value) {
  Result<std::vector<ExecCommand>> r = parse_exec_value(value);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  if (!r || r->size() != 1) return {};
  return r->front();
}

std::string error_of(std::string_view value) {
  Result<std::vector<ExecCommand>> r = parse_exec_value(value);
  return r.ok() ? "(parsed)" : r.error().message();
}

TEST(ExecLine, SplitsOnWhitespace) {
  ExecCommand c = one("/usr/bin/dbus-daemon --system  --nofork\t--syslog-only");
  EXPECT_EQ(c.path, "/usr/bin/dbus-daemon");
  EXPECT_EQ(c.argv, (Argv{"/usr/bin/dbus-daemon", "--system", "--nofork", "--syslog-only"}));
  EXPECT_FALSE(c.ignore_failure);
  EXPECT_TRUE(c.expand_environment);
  EXPECT_EQ(c.privileges, Privileges::normal);
}

TEST(ExecLine, QuotesGroupWordsAndMayStartMidWord) {
  ExecCommand c = one("/bin/sh -c 'echo \"a  b\"' \"x y\" pre'mid'post \"\"");
  EXPECT_EQ(c.argv, (Argv{"/bin/sh", "-c", "echo \"a  b\"", "x y", "premidpost", ""}));
}

TEST(ExecLine, DecodesCEscapesInsideAndOutsideQuotes) {
  ExecCommand c = one(R"(/bin/printf a\tb "c\nd" '\x41\101\u00e9' \s \\)");
  EXPECT_EQ(c.argv, (Argv{"/bin/printf", "a\tb", "c\nd", "AA\xc3\xa9", " ", "\\"}));
}

TEST(ExecLine, RealGettyLineKeepsItsBackslash) {
  // getty@.service after the unit reader: the file's "\\u" is one backslash here.
  ExecCommand c = one(R"(-/sbin/agetty -o '-p -- \\u' --noclear - $TERM)");
  EXPECT_TRUE(c.ignore_failure);
  EXPECT_EQ(c.argv, (Argv{"/sbin/agetty", "-o", "-p -- \\u", "--noclear", "-", "$TERM"}));
}

TEST(ExecLine, UnterminatedQuoteIsAnError) {
  EXPECT_EQ(error_of("/bin/echo 'abc"), "unterminated single quote");
  EXPECT_EQ(error_of("/bin/echo \"abc"), "unterminated double quote");
}

TEST(ExecLine, BadEscapesAreErrors) {
  EXPECT_EQ(error_of(R"(/bin/grep \d)"), "invalid escape '\\d'");
  EXPECT_EQ(error_of("/bin/echo a\\"), "a lone '\\' ends the line");
  EXPECT_EQ(error_of(R"(/bin/echo \x0)"), "invalid escape '\\x'");
  EXPECT_EQ(error_of(R"(/bin/echo \000)"), "invalid escape '\\0'");
}

TEST(ExecLine, ReadsEveryPrefix) {
  ExecCommand c = one("-@:/bin/sleep sleeper 5");
  EXPECT_TRUE(c.ignore_failure);
  EXPECT_TRUE(c.argv0_given);
  EXPECT_FALSE(c.expand_environment);
  EXPECT_EQ(c.path, "/bin/sleep");
  EXPECT_EQ(c.argv, (Argv{"sleeper", "5"}));
  EXPECT_EQ(one("+/bin/true").privileges, Privileges::full);
  EXPECT_EQ(one("!/bin/true").privileges, Privileges::no_setuid);
  EXPECT_EQ(one("!!/bin/true").privileges, Privileges::ambient);
  EXPECT_EQ(one("-!!/bin/true").privileges, Privileges::ambient);
}

TEST(ExecLine, PrefixTwiceOrTwoPrivilegePrefixesLeaveABadProgram) {
  EXPECT_NE(error_of("--/bin/true"), "(parsed)");
  EXPECT_NE(error_of("+!/bin/true"), "(parsed)");
}

TEST(ExecLine, AtPrefixNeedsArgvZero) {
  EXPECT_EQ(error_of("@/bin/true"), "the '@' prefix needs argv[0] after the program");
}

TEST(ExecLine, RelativeProgramIsAnErrorAndBareNameIsSearched) {
  EXPECT_EQ(error_of("./daemon --x"),
            "program './daemon' is neither an absolute path nor a bare name");
  EXPECT_EQ(error_of("bin/daemon"),
            "program 'bin/daemon' is neither an absolute path nor a bare name");
  EXPECT_EQ(error_of("/usr/bin/"), "program '/usr/bin/' is a directory");
  EXPECT_EQ(error_of("/usr//bin/x"), "program path '/usr//bin/x' is not normalized");
  ExecCommand c = one("sleep 1");
  EXPECT_TRUE(c.needs_search());
  EXPECT_FALSE(one("/bin/sleep 1").needs_search());
}

TEST(ExecLine, ErrorAboutALongBinaryPathStaysOneShortLine) {
  std::string path = "\x93/" + std::string(200, '\xff');
  std::string message = error_of(path);
  EXPECT_LT(message.size(), 160u) << message;
  EXPECT_TRUE(message.starts_with("program '\\x93/\\xff")) << message;
  EXPECT_NE(message.find("...' is neither"), std::string::npos) << message;
}

TEST(ExecLine, EmptyValueIsNoCommand) {
  Result<std::vector<ExecCommand>> r = parse_exec_value("   ");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(error_of("-"), "the command line names no program");
}

TEST(ExecLine, LoneSemicolonSeparatesCommandsAndEscapedOneIsLiteral) {
  Result<std::vector<ExecCommand>> r = parse_exec_value("/bin/a 1 ; -/bin/b \\; 'x;' ;");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].argv, (Argv{"/bin/a", "1"}));
  EXPECT_TRUE((*r)[1].ignore_failure);
  EXPECT_EQ((*r)[1].argv, (Argv{"/bin/b", ";", "x;"}));
  EXPECT_EQ(error_of("/bin/a ; ; /bin/b"), "an empty command between ';'");
}

TEST(ExpandArgv, WholeWordVariableSplitsAndUnsetOneVanishes) {
  ExecCommand c = one("/bin/d $OPTS x$OPTS ${OPTS} $MISSING ${MISSING}end $$HOME $");
  std::map<std::string, std::string> env{{"OPTS", "-a  'b c' -d"}};
  EXPECT_EQ(expand_argv(c, env),
            (Argv{"/bin/d", "-a", "b c", "-d", "x$OPTS", "-a  'b c' -d", "end", "$HOME", "$"}));
}

TEST(ExpandArgv, ColonPrefixTurnsExpansionOff) {
  ExecCommand c = one(":/bin/d $OPTS ${OPTS}");
  EXPECT_EQ(expand_argv(c, {{"OPTS", "x"}}), (Argv{"/bin/d", "$OPTS", "${OPTS}"}));
}

TEST(ExpandArgv, ArgvZeroIsExpandedToo) {
  ExecCommand c = one("@/bin/d ${NAME} x");
  EXPECT_EQ(expand_argv(c, {{"NAME", "n"}}), (Argv{"n", "x"}));
}

TEST(ExpandArgv, UnterminatedBraceIsKept) {
  ExecCommand c = one("/bin/d a${X");
  EXPECT_EQ(expand_argv(c, {{"X", "1"}}), (Argv{"/bin/d", "a${X"}));
}

TEST(SplitWords, SplitsEnvironmentAssignments) {
  Result<std::vector<std::string>> w = split_words(R"(A=1 "B=two words" C='x\ty')");
  ASSERT_TRUE(w);
  EXPECT_EQ(*w, (Argv{"A=1", "B=two words", "C=x\ty"}));
  EXPECT_FALSE(split_words("\"open"));
}

}  // namespace
}  // namespace dc::unit
