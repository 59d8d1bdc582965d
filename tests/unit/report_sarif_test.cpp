// SARIF 2.1.0: rules as reportingDescriptors with help, results with a level
// by severity. (tests/report validates real logs against the 2.1.0 schema.)
#include "report/sarif.h"

#include <gtest/gtest.h>

#include "report_sample.h"

namespace dc {
namespace {

using nlohmann::json;

TEST(SarifReport, EveryRuleIsADescriptorWithHelpAndFixes) {
  const auto sc = sample::messy_scorecard();
  const json log = render_sarif(sc);
  EXPECT_EQ(log["version"], "2.1.0");
  const json& rules = log["runs"][0]["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), sc["rules"].size());
  for (size_t i = 0; i < rules.size(); ++i) {
    EXPECT_EQ(rules[i]["id"], sc["rules"][i]["id"]);
    const std::string help = rules[i]["help"]["text"];
    EXPECT_NE(help.find("Fix in C:"), std::string::npos) << rules[i]["id"];
    EXPECT_NE(help.find("Fix in Python:"), std::string::npos);
    EXPECT_NE(help.find("Fix in shell:"), std::string::npos);
    EXPECT_NE(rules[i]["help"]["markdown"].get<std::string>().find("```c\n"), std::string::npos);
  }
  EXPECT_EQ(rules[0]["name"], "ParentExits");
}

TEST(SarifReport, LevelFollowsSeverityAndKindFollowsStatus) {
  const auto sc = sample::messy_scorecard();
  const json log = render_sarif(sc);
  const json& results = log["runs"][0]["results"];
  ASSERT_EQ(results.size(), sc["rules"].size());
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = sc["rules"][i];
    const json& x = results[i];
    EXPECT_EQ(x["ruleId"], r["id"]);
    EXPECT_EQ(x["ruleIndex"], i);
    const std::string status = r["status"], severity = r["severity"];
    if (status == "fail" || status == "error" || status == "waived") {
      EXPECT_EQ(x["kind"], "fail");
      EXPECT_EQ(x["level"], severity == "required"      ? "error"
                            : severity == "recommended" ? "warning"
                                                        : "note");
    } else {
      EXPECT_EQ(x["kind"], status == "pass" ? "pass" : "notApplicable");
      EXPECT_EQ(x["level"], "none");
    }
    EXPECT_EQ(x["properties"]["evidence"], r["evidence"]);
    EXPECT_EQ(x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              "file:///usr/sbin/mydaemon");
  }
}

TEST(SarifReport, AWaivedFailureIsAnAcceptedSuppression) {
  const json log = render_sarif(sample::messy_scorecard());
  bool seen = false;
  for (const auto& x : log["runs"][0]["results"])
    if (x["ruleId"] == "cwd-root") {
      seen = true;
      EXPECT_EQ(x["suppressions"][0]["kind"], "external");
      EXPECT_EQ(x["suppressions"][0]["status"], "accepted");
      EXPECT_EQ(x["suppressions"][0]["justification"], "the harness <starts> it | there");
    } else {
      EXPECT_FALSE(x.contains("suppressions"));
    }
  EXPECT_TRUE(seen);
  const json& inv = log["runs"][0]["invocations"][0];
  EXPECT_EQ(inv["exitCode"], 1);
  EXPECT_EQ(inv["executionSuccessful"], true);
  ASSERT_EQ(inv["toolConfigurationNotifications"].size(), 1u);
  EXPECT_NE(inv["toolConfigurationNotifications"][0]["message"]["text"].get<std::string>().find(
                "unused waiver for stdio-open"),
            std::string::npos);
}

TEST(SarifReport, PathsBecomeUriReferences) {
  json sc = sample::messy_scorecard();
  sc["target"]["argv"] = {"./my daemon%1"};
  const json log = render_sarif(sc);
  EXPECT_EQ(
      log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
      "./my%20daemon%251");
}

// Notes are the invocation's execution notifications; the terminal output is
// one of its properties, printable.
TEST(SarifReport, TheInvocationCarriesTheNotesAndTheTerminal) {
  const json log = render_sarif(sample::with_notes_and_terminal(sample::messy_scorecard()));
  const json& inv = log["runs"][0]["invocations"][0];
  ASSERT_EQ(inv["toolExecutionNotifications"].size(), 2u);
  EXPECT_EQ(inv["toolExecutionNotifications"][0]["message"]["text"],
            "observing 1 daemon(s) took 1200 ms");
  EXPECT_EQ(inv["toolExecutionNotifications"][0]["level"], "note");
  const std::string said = inv["properties"]["terminal_output"];
  EXPECT_TRUE(said.starts_with("starting\n<script>alert")) << said;
  EXPECT_EQ(said.find('\x1b'), std::string::npos);
  EXPECT_EQ(said.find('\r'), std::string::npos);
  EXPECT_TRUE(sample::valid_utf8(said));
  const json plain = render_sarif(sample::messy_scorecard())["runs"][0]["invocations"][0];
  EXPECT_FALSE(plain.contains("toolExecutionNotifications"));
  EXPECT_FALSE(plain["properties"].contains("terminal_output"));
}

}  // namespace
}  // namespace dc
