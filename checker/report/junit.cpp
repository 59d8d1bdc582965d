// See junit.h.
#include "report/junit.h"

#include <cstdio>
#include <regex>

#include "report/escape.h"
#include "report/view.h"

namespace dc {
namespace {

std::string attr(const std::string& name, const std::string& value) {
  return " " + name + "=\"" + xml_escape(value) + "\"";
}

std::string seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ms > 0 && ms < 1e12 ? ms / 1000 : 0.0);
  return buf;
}

// JUnit's timestamp is ISO 8601 without fraction or zone ("2026-11-25T04:04:29").
std::string junit_timestamp(const std::string& started_at) {
  static const std::regex kIso(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})");
  std::smatch m;
  return std::regex_search(started_at, m, kIso) ? m.str(0) : "";
}

std::string details(const RuleView& r) {
  std::string s = r.title + "\nseverity: " + r.severity + ", seed step: " + r.seed_step + "\n" +
                  r.message + "\n";
  if (!r.waiver.empty()) s += "waived: " + r.waiver + "\n";
  s += "evidence: " + r.evidence.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
       "\n";
  return s;
}

// The suite's own output: the notes on the check, then what the target
// wrote on its terminal.
std::string suite_output(const ScorecardView& v) {
  std::string out;
  if (!v.notes.empty()) {
    out += "notes:\n";
    for (const auto& note : v.notes) out += "- " + note + "\n";
  }
  if (const std::string said = terminal_text(v.launch.terminal_output); !said.empty())
    out += std::string(out.empty() ? "" : "\n") + "what the target wrote on its terminal:\n" +
           said + "\n";
  return out;
}

}  // namespace

std::string render_junit(const nlohmann::json& sc) {
  const ScorecardView v = read_view(sc);
  const std::string n_tests = std::to_string(v.rules.size());
  int failures = 0, errors = 0, skipped = 0;
  for (const auto& r : v.rules) {
    failures += r.status == "fail";
    errors += r.status == "error";
    skipped += r.status == "skip" || r.status == "waived";
  }
  const std::string counts = attr("tests", n_tests) + attr("failures", std::to_string(failures)) +
                             attr("errors", std::to_string(errors)) +
                             attr("skipped", std::to_string(skipped)) +
                             attr("time", seconds(v.duration_ms));
  const std::string command = shell_join(v.argv);

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites" + attr("name", "daemoncheck") + counts + ">\n";
  out += "  <testsuite" + attr("name", "daemoncheck " + v.profile + ": " + command) + counts;
  if (auto ts = junit_timestamp(v.started_at); !ts.empty()) out += attr("timestamp", ts);
  out += attr("package", "daemoncheck") + ">\n";

  out += "    <properties>\n";
  auto property = [&](const std::string& name, const std::string& value) {
    out += "      <property" + attr("name", name) + attr("value", value) + "/>\n";
  };
  property("schema", v.schema);
  property("daemoncheck.version", v.tool_version);
  property("profile", v.profile);
  property("command", command);
  property("started_at", v.started_at);
  property("strict", v.strict ? "true" : "false");
  property("verdict", v.verdict);
  property("exit_status", std::to_string(v.exit_status));
  for (const auto& w : v.waivers)
    property("waiver." + w.id,
             (w.used ? "used: " : "unused (" + unused_waiver_reason(v, w) + "): ") + w.reason);
  out += "    </properties>\n";

  for (const auto& r : v.rules) {
    out += "    <testcase" + attr("name", r.id) + attr("classname", "daemoncheck." + r.severity) +
           ">\n";
    const std::string body = xml_escape(details(r));
    if (r.status == "fail") {
      out += "      <failure" + attr("message", "[" + r.severity + "] " + r.message) +
             attr("type", r.severity) + ">" + body + "</failure>\n";
    } else if (r.status == "error") {
      out += "      <error" + attr("message", "could not observe: " + r.message) +
             attr("type", r.severity) + ">" + body + "</error>\n";
    } else if (r.status == "waived") {
      out += "      <skipped" + attr("message", "waived (" + r.waiver + "): " + r.message) + ">" +
             body + "</skipped>\n";
    } else if (r.status == "skip") {
      out += "      <skipped" + attr("message", r.message) + "/>\n";
    }
    out += "      <system-out>" + body + "</system-out>\n";
    out += "    </testcase>\n";
  }
  if (const std::string said = suite_output(v); !said.empty())
    out += "    <system-out>" + xml_escape(said) + "</system-out>\n";
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace dc
