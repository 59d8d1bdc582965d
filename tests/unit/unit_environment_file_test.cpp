// Tests of the EnvironmentFile= text parser against what systemd 252 reads.
#include "unit/environment_file.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace dc::unit {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs read(std::string_view text) {
  return parse_environment_file(text, "env").assignments;
}

TEST(EnvironmentFile, ReadsPlainAssignmentsAndComments) {
  EXPECT_EQ(read("# c\n; c\nA=1\n  B = two words  \n\nC=\n"),
            (Pairs{{"A", "1"}, {"B", "two words"}, {"C", ""}}));
}

TEST(EnvironmentFile, SingleQuotesAreLiteralDoubleQuotesTakeFewEscapes) {
  EXPECT_EQ(read(R"(A='x \n $y'
B="q \" \\ \$ \n"
C='a'"b" c
)"),
            (Pairs{{"A", R"(x \n $y)"}, {"B", R"(q " \ $ \n)"}, {"C", "abc"}}));
}

TEST(EnvironmentFile, QuotesInsideAValueAreKept) {
  EXPECT_EQ(read("OPTS=--name='x y'\n"), (Pairs{{"OPTS", "--name='x y'"}}));
}

TEST(EnvironmentFile, BackslashNewlineContinuesAValue) {
  EXPECT_EQ(read("A=one \\\ntwo\nB=\"x\\\ny\"\n"), (Pairs{{"A", "one two"}, {"B", "xy"}}));
}

TEST(EnvironmentFile, LastLineWithoutNewlineCounts) {
  EXPECT_EQ(read("A=1\nB=2"), (Pairs{{"A", "1"}, {"B", "2"}}));
}

TEST(EnvironmentFile, BadLinesAreFindingsWithTheirLine) {
  EnvironmentText env = parse_environment_file("A=1\njunk\n1X=2\nB=3\n", "env");
  EXPECT_EQ(env.assignments, (Pairs{{"A", "1"}, {"B", "3"}}));
  ASSERT_EQ(env.findings.size(), 2u);
  EXPECT_EQ(describe(env.findings[0]), "env:2: line without '=', ignored");
  EXPECT_EQ(describe(env.findings[1]), "env:3: invalid variable name '1X', ignored");
}

TEST(EnvironmentFile, UnterminatedQuoteTakesTheRestAsTheValue) {
  EnvironmentText env = parse_environment_file("A=\"open\nB=2\n", "env");
  EXPECT_EQ(env.assignments, (Pairs{{"A", "open\nB=2\n"}}));
  EXPECT_EQ(env.findings.size(), 1u);
}

TEST(EnvironmentFile, CommentEndingInBackslashSwallowsTheNextLineAsIn252) {
  EXPECT_EQ(read("# note \\\nA=1\nB=2\n"), (Pairs{{"B", "2"}}));
}

}  // namespace
}  // namespace dc::unit
