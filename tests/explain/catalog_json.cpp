// Prints the rule catalogue's documentation as JSON, for the tests that run
// every fix --explain teaches and compare the man page with it. A test
// helper: not installed, not part of daemoncheck's interface.
#include <iostream>

#include <nlohmann/json.hpp>

#include "rules/catalog.h"

int main() {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : dc::catalog()) {
    const dc::RuleDoc& d = r.doc;
    rules.push_back({{"id", r.id},
                     {"title", r.title},
                     {"sysv", (r.profiles & dc::kSysv) != 0},
                     {"systemd", (r.profiles & dc::kSystemd) != 0},
                     {"service", (r.profiles & dc::kService) != 0},
                     {"checks", d.checks},
                     {"why", d.why},
                     {"how", d.how},
                     {"fix_c", d.fix_c},
                     {"fix_python", d.fix_python},
                     {"fix_shell", d.fix_shell}});
  }
  std::cout << rules.dump(2) << "\n";
  return 0;
}
