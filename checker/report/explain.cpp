// See explain.h.
#include "report/explain.h"

#include <cstdio>
#include <sstream>

#include "profiles/profile.h"

namespace dc {
namespace {

// Fills `text` into lines of at most `width` columns, each starting with
// `indent`. Words are never split.
std::string wrap(const std::string& text, size_t width, const std::string& indent) {
  std::istringstream words(text);
  std::string word, line, out;
  while (words >> word) {
    if (!line.empty() && indent.size() + line.size() + 1 + word.size() > width) {
      out += indent + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += indent + line + "\n";
  return out;
}

std::string indent_block(const std::string& code, const std::string& indent) {
  std::string out, line;
  std::istringstream lines(code);
  while (std::getline(lines, line)) out += indent + line + "\n";
  return out;
}

// What the names in the fixes stand for. Every fix runs as printed: the
// tests in tests/explain put it into a program with these names and check it.
constexpr const char* kFixNames =
    "In the fixes, pidfile (C), pidfile_path (Python) and $PIDFILE name the pidfile; main() "
    "and $DAEMON are the program's own work; jail, log_path, $JAIL and $LOGFILE a chroot "
    "directory and a log file; a /* ... */ line stands for the rest of the start-up. The C "
    "lines use <err.h> and the usual POSIX headers, the Python lines import daemon, fcntl, "
    "os, pwd, signal, socket and sys.";

// What the severity does to the verdict: a learner who sees a failing rule
// beside "verdict: pass" finds the reason here.
std::string severity_meaning(const RuleDef& r) {
  if (r.severity_for)
    return "With the option, a failure fails the run; without it, the rule is only reported.";
  switch (r.severity) {
    case Severity::Required:
      return "A failure fails the run (verdict fail, exit status 1).";
    case Severity::Recommended:
      return "A failure shows in the scorecard but does not fail the run, unless --strict is "
             "given.";
    case Severity::Info:
      break;
  }
  return "It is reported only: a failure never fails the run, even with --strict.";
}

}  // namespace

std::string profile_names(unsigned profiles) {
  std::string out;
  for (const Profile* p : all_profiles())
    if (profiles & p->rule_bit) out += (out.empty() ? "" : ", ") + std::string(p->name);
  return out;
}

std::string render_rule_list() {
  char line[160];
  std::snprintf(line, sizeof line, "%-33s %-13s %-15s %s\n", "RULE", "SEVERITY", "PROFILE",
                "SEED STEP");
  std::string out = line;
  bool starred = false;
  for (const auto& r : catalog()) {
    std::string severity = to_string(r.severity);
    if (r.severity_for) severity += "*", starred = true;
    std::snprintf(line, sizeof line, "%-33s %-13s %-15s %s\n", r.id.c_str(), severity.c_str(),
                  profile_names(r.profiles).c_str(), r.seed_step.c_str());
    out += line;
  }
  if (starred) {
    out +=
        "\n* required when the option the rule checks is given (--expect-user or "
        "--expect-group,\n  --expect-root, --notify), or for main-pid-known when the unit says "
        "Type=forking;\n  info otherwise.\n";
  }
  out += "\nExplain a rule with: daemoncheck --explain RULE\n";
  return out;
}

std::string render_explanation(const RuleDef& r) {
  std::string out = r.id + ": " + r.title + "\n";
  out += "severity " + std::string(to_string(r.severity)) +
         (r.severity_for ? r.id == "main-pid-known"
                               ? " for Type=forking, info otherwise"
                               : " when the option it checks is given, info otherwise"
                         : "") +
         ", profile " + profile_names(r.profiles) + ", seed step " + r.seed_step + "\n";
  out += wrap(severity_meaning(r), 78, "");
  const RuleDoc& d = r.doc;
  auto section = [&](const char* head, const char* body) {
    out += std::string("\n") + head + "\n" + wrap(body, 78, "  ");
  };
  section("What it checks", d.checks);
  section("Why it matters", d.why);
  section("How daemoncheck observes it", d.how);
  // A control rule judges a script: its fix is shell only.
  auto fix = [&](const char* head, const char* code) {
    if (*code != '\0') out += std::string("\n") + head + "\n" + indent_block(code, "    ");
  };
  fix("Fix in C", d.fix_c);
  fix("Fix in Python", d.fix_python);
  fix("Fix in shell", d.fix_shell);
  out += "\n" + wrap(kFixNames, 78, "");
  return out;
}

}  // namespace dc
