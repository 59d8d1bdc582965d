// --list-rules and --explain, rendered from the catalogue.
#include "report/explain.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <vector>

namespace dc {
namespace {

TEST(RuleList, ListsEveryRuleWithSeverityProfileAndStep) {
  const std::string list = render_rule_list();
  for (const auto& r : catalog()) {
    const size_t at = list.find("\n" + r.id + " ");
    ASSERT_NE(at, std::string::npos) << r.id;
    const std::string line = list.substr(at + 1, list.find('\n', at + 1) - at - 1);
    EXPECT_NE(line.find(to_string(r.severity)), std::string::npos) << line;
    EXPECT_NE(line.find(profile_names(r.profiles)), std::string::npos) << line;
    EXPECT_TRUE(line.ends_with(r.seed_step)) << line;
  }
}

// A daemon's rule shows its fix in C, Python and shell; a control rule
// judges a start/stop/status script, whose fix is shell only, written with
// start-stop-daemon and with daemonctl (control.md).
TEST(Explanation, HasEveryPartForEveryRule) {
  for (const auto& r : catalog()) {
    const std::string text = render_explanation(r);
    EXPECT_TRUE(text.starts_with(r.id + ": " + r.title + "\n")) << r.id;
    const bool script_only = r.profiles == kControl;
    std::vector<const char*> heads = {"\nWhat it checks\n  ", "\nWhy it matters\n  ",
                                      "\nHow daemoncheck observes it\n  "};
    if (!script_only) heads.insert(heads.end(), {"\nFix in C\n    ", "\nFix in Python\n    "});
    heads.push_back("\nFix in shell\n    ");
    size_t last = 0;
    for (const char* head : heads) {
      const size_t at = text.find(head);
      EXPECT_NE(at, std::string::npos) << r.id << ": " << head;
      EXPECT_GT(at, last) << r.id << ": " << head;
      last = at;
    }
    if (script_only) {
      EXPECT_EQ(text.find("\nFix in C\n"), std::string::npos) << r.id;
      EXPECT_NE(std::string(r.doc.fix_shell).find("start-stop-daemon"), std::string::npos) << r.id;
      EXPECT_NE(std::string(r.doc.fix_shell).find("daemonctl"), std::string::npos) << r.id;
    }
  }
}

TEST(Explanation, SaysWhatTheSeverityDoesToTheVerdict) {
  auto second_line = [](const char* id) {
    const std::string text = render_explanation(*find_rule(id));
    const size_t start = text.find('\n', text.find('\n') + 1) + 1;
    std::string said = text.substr(start, text.find("\n\n", start) - start);
    std::replace(said.begin(), said.end(), '\n', ' ');
    return said;
  };
  EXPECT_NE(second_line("cwd-root").find("fails the run"), std::string::npos);
  EXPECT_NE(second_line("double-fork").find("unless --strict"), std::string::npos);
  EXPECT_NE(second_line("sighup-handled").find("never fails the run, even with --strict"),
            std::string::npos);
  EXPECT_NE(second_line("privileges-dropped").find("without it, the rule is only reported"),
            std::string::npos);
}

TEST(Explanation, ProseIsWrappedAndCodeIsNot) {
  const RuleDef* r = find_rule("single-instance");
  ASSERT_NE(r, nullptr);
  std::istringstream in(render_explanation(*r));
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("  ") && !line.starts_with("    ")) {
      EXPECT_LE(line.size(), 78u) << line;
    }
  EXPECT_NE(render_explanation(*r).find("    " + std::string(r->doc.fix_c).substr(0, 20)),
            std::string::npos);
}

TEST(Explanation, MainPidKnownIsRequiredForForkingNotForAnOption) {
  const std::string text = render_explanation(*find_rule("main-pid-known"));
  EXPECT_NE(text.find("severity required for Type=forking, info otherwise"), std::string::npos)
      << text;
  EXPECT_NE(render_rule_list().find("main-pid-known when the unit says Type=forking"),
            std::string::npos);
}

}  // namespace
}  // namespace dc
