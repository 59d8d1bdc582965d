// JUnit XML, as Jenkins, GitLab and most CI systems read it: one <testsuite>
// per run, one <testcase> per rule. A failing rule carries its message and its
// evidence in <failure>, a rule that could not be observed in <error>, a
// skipped or waived rule is <skipped>. tests/report/junit.xsd describes it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace dc {

std::string render_junit(const nlohmann::json& scorecard);

}  // namespace dc
