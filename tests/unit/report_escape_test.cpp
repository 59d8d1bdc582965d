// The escapes every report relies on: whatever a daemon puts in /proc must
// come out as inert text in XML, HTML, Markdown and on a terminal.
#include "report/escape.h"

#include <gtest/gtest.h>

#include "report_sample.h"

namespace dc {
namespace {

using namespace std::literals;

TEST(XmlEscape, EscapesTheFiveMarkupCharacters) {
  EXPECT_EQ(xml_escape("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
}

TEST(XmlEscape, ReplacesWhatXml10CannotCarry) {
  EXPECT_EQ(xml_escape("a\x01"
                       "b\x1b[0m\x7f"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD[0m\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("tab\tnl\ncr\r"), "tab\tnl\ncr\r");
  EXPECT_EQ(xml_escape("nul"s + '\0' + "x"), "nul\xEF\xBF\xBDx");
  EXPECT_EQ(xml_escape("\xEF\xBF\xBE\xEF\xBF\xBF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // U+FFFE, U+FFFF
}

TEST(XmlEscape, ReplacesInvalidUtf8AndKeepsValid) {
  EXPECT_EQ(xml_escape("caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80");
  EXPECT_EQ(xml_escape("\xff\xfe"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(xml_escape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(xml_escape("\xE2\x9C"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // cut short
  EXPECT_TRUE(sample::valid_utf8(xml_escape(sample::kHostile)));
}

TEST(HtmlEscape, LeavesNoMarkup) {
  const std::string out = html_escape(sample::kHostile);
  EXPECT_EQ(out.find('<'), std::string::npos);
  EXPECT_EQ(out.find('>'), std::string::npos);
  EXPECT_EQ(out.find('"'), std::string::npos);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_NE(out.find("&lt;script&gt;"), std::string::npos);
}

TEST(MarkdownEscape, NeutralisesMarkupAndTableSyntax) {
  EXPECT_EQ(markdown_escape("a|b *c* _d_ `e` [f](g) <h> & #i"),
            "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\[f\\](g) &lt;h\\> &amp; \\#i");
  EXPECT_EQ(markdown_escape("two\nlines\r\tand a tab"), "two lines  and a tab");
  EXPECT_EQ(markdown_escape("back\\slash"), "back\\\\slash");
}

TEST(MarkdownFence, CannotBeClosedByTheCodeInside) {
  EXPECT_EQ(markdown_fence("x = 1", "py"), "```py\nx = 1\n```\n");
  EXPECT_EQ(markdown_fence("a ```` b\n"), "`````\na ```` b\n`````\n");
}

TEST(ShellQuote, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(shell_quote("/usr/bin/x"), "/usr/bin/x");
  EXPECT_EQ(shell_quote("--pidfile={tmp}/d.pid"), "--pidfile={tmp}/d.pid");
  EXPECT_EQ(shell_quote("sleep 100 &"), "'sleep 100 &'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_join({"/bin/sh", "-c", "sleep 100 &"}), "/bin/sh -c 'sleep 100 &'");
}

TEST(Printable, DisarmsTerminalEscapes) {
  EXPECT_EQ(printable("\x1b[2Jgone\x07"), "\xEF\xBF\xBD[2Jgone\xEF\xBF\xBD");
  EXPECT_EQ(printable("tab\tand\nnewline"), "tab\tand\nnewline");
  EXPECT_EQ(printable("bad\xff"), "bad\xEF\xBF\xBD");
}

}  // namespace
}  // namespace dc
