// JUnit XML: one testcase per rule; failures carry message and evidence.
// (tests/report validates real reports against junit.xsd with xmllint.)
#include "report/junit.h"

#include <gtest/gtest.h>

#include "report_sample.h"

namespace dc {
namespace {

using sample::count;

TEST(JunitReport, OneTestcasePerRuleAndCountsThatAddUp) {
  const auto sc = sample::messy_scorecard();
  const std::string xml = render_junit(sc);
  const int rules = static_cast<int>(sc["rules"].size());
  EXPECT_EQ(count(xml, "<testcase "), rules);
  const auto& c = sc["summary"]["counts"];
  EXPECT_EQ(count(xml, "<failure "), c["fail"].get<int>());
  EXPECT_EQ(count(xml, "<error "), c["error"].get<int>());
  EXPECT_EQ(count(xml, "<skipped"), c["skip"].get<int>() + c["waived"].get<int>());
  EXPECT_NE(xml.find("tests=\"" + std::to_string(rules) + "\" failures=\"" +
                     std::to_string(c["fail"].get<int>()) + "\""),
            std::string::npos);
  EXPECT_NE(xml.find("time=\"0.283\""), std::string::npos);
  EXPECT_NE(xml.find("timestamp=\"2026-11-25T04:04:29\""), std::string::npos);
}

TEST(JunitReport, FailureCarriesMessageAndEvidence) {
  const auto sc = sample::messy_scorecard();
  const std::string xml = render_junit(sc);
  for (const auto& r : sc["rules"]) {
    if (r["status"] != "fail") continue;
    const std::string id = r["id"];
    size_t at = xml.find("<testcase name=\"" + id + "\"");
    ASSERT_NE(at, std::string::npos) << id;
    size_t end = xml.find("</testcase>", at);
    const std::string tc = xml.substr(at, end - at);
    EXPECT_NE(tc.find("<failure message=\"[" + r["severity"].get<std::string>() + "] "),
              std::string::npos)
        << tc;
    EXPECT_NE(tc.find("type=\"" + r["severity"].get<std::string>() + "\""), std::string::npos);
    EXPECT_NE(tc.find("evidence: {"), std::string::npos) << tc;
  }
}

TEST(JunitReport, WaiversAreSkippedCasesAndProperties) {
  const std::string xml = render_junit(sample::messy_scorecard());
  EXPECT_NE(xml.find("<skipped message=\"waived (the harness &lt;starts&gt; it | there): "),
            std::string::npos);
  EXPECT_NE(xml.find("<property name=\"waiver.cwd-root\" value=\"used: the harness"),
            std::string::npos);
  EXPECT_NE(xml.find("<property name=\"waiver.stdio-open\" value=\"unused (the rule passed): never "
                     "fails here\"/>"),
            std::string::npos);
}

TEST(JunitReport, HostileStringsStayText) {
  const std::string xml = render_junit(sample::messy_scorecard());
  EXPECT_EQ(xml.find("<script>"), std::string::npos);
  EXPECT_EQ(xml.find("]]>"), std::string::npos);
  EXPECT_EQ(xml.find('\x1b'), std::string::npos);
  EXPECT_TRUE(sample::valid_utf8(xml));
  EXPECT_TRUE(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
}

TEST(JunitReport, APassingRunHasNoFailures) {
  const std::string xml = render_junit(sample::passing_scorecard());
  EXPECT_EQ(count(xml, "<failure"), 0);
  EXPECT_NE(xml.find("failures=\"0\" errors=\"0\" skipped=\"0\""), std::string::npos);
  EXPECT_NE(xml.find("<property name=\"verdict\" value=\"pass\"/>"), std::string::npos);
}

// The suite's system-out carries the notes on the check and what the target
// wrote on its terminal, as valid XML text.
TEST(JunitReport, SystemOutHasTheNotesAndTheTerminal) {
  const std::string xml = render_junit(sample::with_notes_and_terminal(sample::messy_scorecard()));
  const size_t at = xml.rfind("\n    <system-out>");
  ASSERT_NE(at, std::string::npos);
  EXPECT_LT(xml.rfind("</testcase>"), at) << "after the testcases, as the schema wants";
  const std::string out = xml.substr(at, xml.find("</system-out>", at) - at);
  EXPECT_NE(out.find("notes:\n- observing 1 daemon(s) took 1200 ms\n- note &lt;script&gt;"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("what the target wrote on its terminal:\nstarting\n&lt;script&gt;"),
            std::string::npos)
      << out;
  EXPECT_EQ(xml.find('\r'), std::string::npos);
  EXPECT_EQ(xml.find('\x07'), std::string::npos);
  EXPECT_EQ(xml.find('\x1b'), std::string::npos);
  EXPECT_TRUE(sample::valid_utf8(xml));
  EXPECT_EQ(render_junit(sample::messy_scorecard()).find("\n    <system-out>"), std::string::npos)
      << "nothing to say, no suite output";
}

}  // namespace
}  // namespace dc
