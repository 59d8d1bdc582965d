// Markdown for job summaries: a table row per rule that no message can break,
// evidence of what did not pass, waivers.
#include "report/markdown.h"

#include <gtest/gtest.h>

#include <sstream>

#include "report_sample.h"

namespace dc {
namespace {

// Cells of a GFM table row: split on pipes that are not backslash-escaped.
int cells(const std::string& row) {
  int n = 0;
  for (size_t i = 0; i < row.size(); ++i)
    if (row[i] == '|' && (i == 0 || row[i - 1] != '\\')) ++n;
  return n - 1;
}

TEST(MarkdownReport, HeadingCarriesTheVerdict) {
  EXPECT_TRUE(render_markdown(sample::messy_scorecard()).starts_with("## ❌ daemoncheck: fail — "));
  EXPECT_TRUE(
      render_markdown(sample::passing_scorecard()).starts_with("## ✅ daemoncheck: pass — "));
}

TEST(MarkdownReport, OneTableRowPerRuleThatNoMessageCanBreak) {
  const auto sc = sample::messy_scorecard();
  std::istringstream in(render_markdown(sc));
  int rows = 0;
  for (std::string l; std::getline(in, l);)
    if (l.starts_with("| ") && l.find("| `") != std::string::npos) {
      ++rows;
      EXPECT_EQ(cells(l), 5) << l;
    }
  EXPECT_EQ(rows, static_cast<int>(sc["rules"].size()));
}

TEST(MarkdownReport, EvidenceOfWhatDidNotPassAndWaivers) {
  const auto sc = sample::messy_scorecard();
  const std::string md = render_markdown(sc);
  const auto& c = sc["summary"]["counts"];
  const int shown = c["fail"].get<int>() + c["error"].get<int>() + c["waived"].get<int>();
  EXPECT_NE(md.find("<details><summary>Evidence of the " + std::to_string(shown) + " rules"),
            std::string::npos);
  EXPECT_EQ(sample::count(md, "```json\n"), shown);
  EXPECT_NE(md.find("### Waivers"), std::string::npos);
  EXPECT_NE(md.find("- `stdio-open`: **unused** (the rule passed) — never fails here"),
            std::string::npos);
  EXPECT_NE(md.find("- `cwd-root`: used — the harness &lt;starts\\> it \\| there"),
            std::string::npos);
}

// The text outside fenced code blocks (inside them everything is literal).
std::string outside_fences(const std::string& md) {
  std::istringstream in(md);
  std::string out, fence;
  for (std::string l; std::getline(in, l);) {
    if (fence.empty() && l.starts_with("```")) {
      fence = l.substr(0, l.find_first_not_of('`'));
    } else if (!fence.empty() && l == fence) {
      fence.clear();
    } else if (fence.empty()) {
      out += l + "\n";
    }
  }
  return out;
}

TEST(MarkdownReport, HostileStringsAreInert) {
  const std::string md = render_markdown(sample::messy_scorecard());
  EXPECT_EQ(outside_fences(md).find("<script>"), std::string::npos);
  EXPECT_NE(outside_fences(md).find("&lt;script\\>"), std::string::npos);
  EXPECT_EQ(md.find('\x1b'), std::string::npos);
  EXPECT_TRUE(sample::valid_utf8(md));
}

TEST(MarkdownReport, ShowsTheNotesAndTheTerminal) {
  const std::string md =
      render_markdown(sample::with_notes_and_terminal(sample::messy_scorecard()));
  EXPECT_NE(md.find("### Notes\n\n- observing 1 daemon(s) took 1200 ms\n- note &lt;script\\>"),
            std::string::npos)
      << md;
  const size_t term = md.find("<summary>What the target wrote on its terminal</summary>");
  ASSERT_NE(term, std::string::npos);
  EXPECT_NE(md.find("```text\nstarting\n<script>alert", term), std::string::npos) << md;
  EXPECT_EQ(outside_fences(md).find("<script>"), std::string::npos);
  EXPECT_EQ(md.find('\x1b'), std::string::npos);
  EXPECT_EQ(md.find('\x07'), std::string::npos);
  EXPECT_EQ(md.find('\r'), std::string::npos);
  EXPECT_TRUE(sample::valid_utf8(md));
  const std::string plain = render_markdown(sample::messy_scorecard());
  EXPECT_EQ(plain.find("### Notes"), std::string::npos);
  EXPECT_EQ(plain.find("on its terminal"), std::string::npos);
}

TEST(MarkdownReport, AServiceCheckShowsItsUnitFile) {
  const std::string md = render_markdown(sample::service_scorecard());
  EXPECT_NE(md.find(" — `my.service`\n"), std::string::npos) << md;
  EXPECT_NE(md.find("Unit file `/etc/systemd/system/my.service`, drop-in "
                    "`/etc/systemd/system/my.service.d/override.conf`"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("not simulated: `ProtectSystem=` `CPUQuota=`"), std::string::npos);
  EXPECT_EQ(render_markdown(sample::messy_scorecard()).find("Unit file"), std::string::npos);
}

}  // namespace
}  // namespace dc
