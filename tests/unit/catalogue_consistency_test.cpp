// The places outside the code that list the rules, checked against the
// catalogue: daemoncheck(1)'s RULES section and cases/README.md's index. A
// rule added to the catalogue fails here until the man page describes it and
// a case teaches it; an id that is no rule (a rename, a typo) fails too.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "rules/catalog.h"

namespace dc {
namespace {

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(DC_SOURCE_DIR) + "/" + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string unescape_roff(std::string s) {
  for (size_t at = s.find("\\-"); at != std::string::npos; at = s.find("\\-", at)) s.erase(at, 1);
  return s;
}

// One `.TP` entry of the man page's RULES section:
//   .BR rule\-id " (severity[ with ...], step S)"
struct ManEntry {
  std::string section;  // the `.SS` heading above it: "Profile sysv", "Profile systemd"
  std::string paren;    // what stands between the parentheses
};

std::map<std::string, ManEntry> man_entries(const std::vector<std::string>& page,
                                            std::vector<std::string>& twice) {
  static const std::regex entry(R"re(^\.BR ([a-z\\-]+) " \((.*)\)"$)re");
  std::map<std::string, ManEntry> out;
  std::string section;
  bool in_rules = false;
  for (size_t i = 0; i < page.size(); ++i) {
    const std::string& line = page[i];
    if (line.rfind(".SH ", 0) == 0) in_rules = line == ".SH RULES";
    if (!in_rules) continue;
    if (line.rfind(".SS ", 0) == 0) section = line.substr(4);
    std::smatch m;
    if (i == 0 || page[i - 1] != ".TP" || !std::regex_match(line, m, entry)) continue;
    const std::string id = unescape_roff(m[1]);
    if (out.count(id)) twice.push_back(id);
    out[id] = {section, unescape_roff(m[2])};
  }
  return out;
}

// How the man page writes a seed step: "step 3b", "steps 2, 3 and daemon(7)
// 15", "daemon(7) step 2"; a named section ("signals", "There can be only
// one") is not shown.
std::string man_step(const std::string& seed_step) {
  if (seed_step.empty()) return "";
  if (std::isdigit(static_cast<unsigned char>(seed_step[0])))
    return (seed_step.find(',') != std::string::npos ? "steps " : "step ") + seed_step;
  const std::string daemon7 = "daemon(7) ";
  if (seed_step.rfind(daemon7, 0) == 0) return daemon7 + "step " + seed_step.substr(daemon7.size());
  return "";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// What stands between the parentheses: "required, step 5", or for a rule
// whose severity depends on the options "required with --expect-user, else
// skipped".
bool heading_matches(const RuleDef& rule, const std::string& paren) {
  const std::string severity = to_string(rule.severity);
  const std::string step = man_step(rule.seed_step);
  const std::string tail = step.empty() ? "" : ", " + step;
  if (!rule.severity_for) return paren == severity + tail;
  return starts_with(paren, severity + " with ") && ends_with(paren, tail) &&
         (!step.empty() || paren.find(", step") == std::string::npos);
}

TEST(CatalogueConsistency, ManPageDescribesEveryRuleWithItsSeverityStepAndProfile) {
  const auto page = lines_of(read_source("checker/man/daemoncheck.1"));
  ASSERT_FALSE(page.empty()) << "checker/man/daemoncheck.1 not found";
  std::vector<std::string> twice;
  const auto entries = man_entries(page, twice);
  EXPECT_TRUE(twice.empty()) << "described twice: " << twice.front();
  for (const RuleDef& rule : catalog()) {
    auto it = entries.find(rule.id);
    if (it == entries.end()) {
      ADD_FAILURE() << rule.id << ": no .TP entry in the RULES section of daemoncheck(1)";
      continue;
    }
    const auto& [section, paren] = it->second;
    EXPECT_TRUE(heading_matches(rule, paren))
        << rule.id << ": the man page says (" << paren << "), the catalogue "
        << to_string(rule.severity) << (rule.severity_for ? " depending on the options" : "")
        << ", seed step " << rule.seed_step;
    // Listed under the first profile it belongs to (the service and control
    // rules under their own profiles, which is where they come from); the
    // systemd section names the shared ones in a sentence.
    const std::string want = (rule.profiles & kSysv)      ? "Profile sysv"
                             : (rule.profiles & kService) ? "Profile service"
                             : (rule.profiles & kControl) ? "Profile control"
                                                          : "Profile systemd";
    EXPECT_EQ(section, want) << rule.id;
  }
  for (const auto& [id, entry] : entries)
    EXPECT_NE(find_rule(id), nullptr) << id << ": described in daemoncheck(1) but not a rule";
}

TEST(CatalogueConsistency, ManPageNamesTheRulesSharedByBothProfiles) {
  const std::string page = unescape_roff(read_source("checker/man/daemoncheck.1"));
  const auto at = page.find("apply as in the sysv profile");
  ASSERT_NE(at, std::string::npos);
  const std::string sentence = page.substr(page.rfind(".PP", at), at - page.rfind(".PP", at));
  std::set<std::string> named;
  static const std::regex id("[a-z]+(-[a-z]+)+");
  for (std::sregex_iterator m(sentence.begin(), sentence.end(), id), end; m != end; ++m)
    named.insert(m->str());
  std::set<std::string> shared;
  for (const RuleDef& rule : catalog())
    if ((rule.profiles & kBoth) == kBoth) shared.insert(rule.id);
  EXPECT_EQ(named, shared);
}

// cases/README.md's index: one table row per case,
//   | [name](name/README.md) | what it gets wrong | `rule`, `rule` | step | language |
TEST(CatalogueConsistency, CasesIndexTeachesEveryRuleAndNamesNoOther) {
  const auto index = lines_of(read_source("cases/README.md"));
  ASSERT_FALSE(index.empty()) << "cases/README.md not found";
  static const std::regex row(R"re(^\| \[([a-z0-9-]+)\]\(([a-z0-9-]+)/README\.md\) \|)re");
  static const std::regex rule_id("`([a-z0-9-]+)`");
  std::set<std::string> taught;
  size_t rows = 0;
  for (const auto& line : index) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    ++rows;
    EXPECT_EQ(m[1], m[2]) << line;
    // The third column: the rules the case teaches.
    size_t cell = 0;
    for (int bar = 0; bar < 2 && cell != std::string::npos; ++bar)
      cell = line.find(" | ", cell + 1);
    ASSERT_NE(cell, std::string::npos) << line;
    const std::string teaches = line.substr(cell, line.find(" | ", cell + 3) - cell);
    for (std::sregex_iterator r(teaches.begin(), teaches.end(), rule_id), end; r != end; ++r) {
      const std::string id = (*r)[1];
      EXPECT_NE(find_rule(id), nullptr) << m[1] << ": teaches " << id << ", which is not a rule";
      taught.insert(id);
    }
  }
  EXPECT_GT(rows, 0u);
  for (const RuleDef& rule : catalog())
    EXPECT_TRUE(taught.count(rule.id)) << rule.id << ": no case in cases/README.md teaches it";
}

}  // namespace
}  // namespace dc
