// The waivers file: "RULE-ID reason" lines, comments, and errors naming FILE:LINE.
#include "cli/waivers.h"

#include <gtest/gtest.h>

namespace dc {
namespace {

TEST(WaiversFile, ReadsIdsAndReasonsSkippingCommentsAndBlankLines) {
  auto w = parse_waivers(
      "# why we waive\n\ncwd-root   our harness starts it there  \r\n"
      "\t# indented comment\nenv-sanitized\tLANG is passed on purpose\n",
      "w.txt");
  ASSERT_TRUE(w.ok()) << w.error().message();
  ASSERT_EQ(w->size(), 2u);
  EXPECT_EQ((*w)[0].id, "cwd-root");
  EXPECT_EQ((*w)[0].reason, "our harness starts it there");
  EXPECT_EQ((*w)[1].id, "env-sanitized");
  EXPECT_EQ((*w)[1].reason, "LANG is passed on purpose");
  EXPECT_FALSE((*w)[0].used);
}

TEST(WaiversFile, EmptyFileHasNoWaivers) {
  auto w = parse_waivers("", "w.txt");
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->empty());
  EXPECT_TRUE(parse_waivers("# only\n\n", "w").ok());
}

TEST(WaiversFile, ALineWithoutReasonNamesFileAndLine) {
  auto w = parse_waivers("# c\ncwd-root x\numask-reset\n", "w.txt");
  ASSERT_FALSE(w.ok());
  EXPECT_TRUE(w.error().message().starts_with("w.txt:3: no reason after 'umask-reset'"))
      << w.error().message();
}

TEST(WaiversFile, AnUnknownIdSuggestsTheClosest) {
  auto w = parse_waivers("\ncwd-rot because\n", "w.txt");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().message(), "w.txt:2: unknown rule id 'cwd-rot' (did you mean 'cwd-root'?)");
  auto eq = parse_waivers("cwd-root=reason\n", "w.txt");
  ASSERT_FALSE(eq.ok());
  EXPECT_NE(eq.error().message().find("did you mean 'cwd-root'"), std::string::npos);
}

TEST(WaiversFile, ARuleWaivedTwiceIsAnError) {
  auto w = parse_waivers("cwd-root a\nstdio-open b\ncwd-root c\n", "w.txt");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().message(), "w.txt:3: 'cwd-root' is waived already on line 1");
}

TEST(WaiversFile, ErrorsAreOneLine) {
  auto w = parse_waivers("cwd-root a\x01\n", "w.txt");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().message().find('\n'), std::string::npos);
  EXPECT_EQ(w.error().message().find('\x01'), std::string::npos);
}

TEST(WaiversFile, AMissingFileIsAnError) {
  auto w = read_waivers_file("/nonexistent/waivers.txt");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().message(), "--waivers /nonexistent/waivers.txt: No such file or directory");
  auto dir = read_waivers_file("/");
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().message().find("Is a directory"), std::string::npos);
}

TEST(WaiversFile, AnUnknownIdIsQuotedWithItsUnprintableBytesEscaped) {
  auto w = parse_waivers(
      "doubl\x7f"
      "e-fork why\n",
      "w.txt");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().message(), "w.txt:1: a control character in the line");
  w = parse_waivers("double-f\xc3\xb6rk because\n", "w.txt");
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error().message().starts_with("w.txt:1: unknown rule id 'double-f\\xc3\\xb6rk'"))
      << w.error().message();
}

}  // namespace
}  // namespace dc
