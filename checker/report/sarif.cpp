// See sarif.h.
#include "report/sarif.h"

#include <cctype>

#include "common/text.h"
#include "report/escape.h"
#include "report/view.h"
#include "rules/catalog.h"

namespace dc {
namespace {

using nlohmann::json;

const char* level_for(const std::string& severity) {
  if (severity == "required") return "error";
  if (severity == "recommended") return "warning";
  return "note";
}

// "parent-exits" -> "ParentExits", the form SARIF suggests for a rule's name.
std::string pascal_case(const std::string& id) {
  std::string out;
  bool up = true;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return out;
}

// A path as a URI reference: absolute paths become file:// URIs; every byte
// outside the unreserved set and "/" is percent-encoded.
std::string path_uri(const std::string& path) {
  std::string out = path.starts_with('/') ? "file://" : "";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
      out += static_cast<char>(c);
    else
      append_hex_byte(out, "%", c, true);
  }
  return out;
}

json help_for(const RuleView& r) {
  const RuleDef* def = find_rule(r.id);
  if (!def) return {{"text", r.title}, {"markdown", markdown_escape(r.title)}};
  const RuleDoc& d = def->doc;
  std::string text = std::string(d.checks) + "\n\nWhy it matters: " + d.why +
                     "\n\nHow daemoncheck observes it: " + d.how + "\n\nFix in C:\n" + d.fix_c +
                     "\n\nFix in Python:\n" + d.fix_python + "\n\nFix in shell:\n" + d.fix_shell +
                     "\n";
  std::string md = markdown_escape(d.checks) + "\n\n**Why it matters.** " + markdown_escape(d.why) +
                   "\n\n**How daemoncheck observes it.** " + markdown_escape(d.how) +
                   "\n\n**Fix in C**\n\n" + markdown_fence(d.fix_c, "c") +
                   "\n**Fix in Python**\n\n" + markdown_fence(d.fix_python, "python") +
                   "\n**Fix in shell**\n\n" + markdown_fence(d.fix_shell, "sh");
  return {{"text", text}, {"markdown", md}};
}

}  // namespace

json render_sarif(const json& sc) {
  const ScorecardView v = read_view(sc);
  json rules = json::array();
  json results = json::array();
  for (size_t i = 0; i < v.rules.size(); ++i) {
    const RuleView& r = v.rules[i];
    const RuleDef* def = find_rule(r.id);
    json descriptor{
        {"id", r.id},
        {"name", pascal_case(r.id)},
        {"shortDescription", {{"text", r.title.empty() ? r.id : r.title}}},
        {"help", help_for(r)},
        {"defaultConfiguration", {{"level", level_for(r.severity)}}},
        {"properties",
         {{"severity", r.severity}, {"seed_step", r.seed_step}, {"tags", {"daemon", r.severity}}}}};
    if (def && *def->doc.checks) descriptor["fullDescription"] = {{"text", def->doc.checks}};
    rules.push_back(descriptor);

    json result{{"ruleId", r.id},
                {"ruleIndex", i},
                {"message", {{"text", r.message.empty() ? r.status : r.message}}},
                {"properties",
                 {{"status", r.status},
                  {"severity", r.severity},
                  {"seed_step", r.seed_step},
                  {"evidence", r.evidence}}}};
    if (r.status == "fail" || r.status == "error" || r.status == "waived") {
      result["kind"] = "fail";
      result["level"] = level_for(r.severity);
      if (r.status == "error") result["message"]["text"] = "could not be observed: " + r.message;
    } else {
      result["kind"] = r.status == "pass" ? "pass" : "notApplicable";
      result["level"] = "none";
    }
    if (r.status == "waived")
      result["suppressions"] = {
          {{"kind", "external"}, {"status", "accepted"}, {"justification", r.waiver}}};
    if (!v.argv.empty())
      result["locations"] = {
          {{"physicalLocation", {{"artifactLocation", {{"uri", path_uri(v.argv.front())}}}}}}};
    results.push_back(result);
  }

  json notifications = json::array();
  json waivers = json::array();
  for (const auto& w : v.waivers) {
    waivers.push_back({{"id", w.id}, {"reason", w.reason}, {"used", w.used}});
    if (!w.used) {
      notifications.push_back({{"level", "warning"},
                               {"message",
                                {{"text", "unused waiver for " + w.id + " (\"" + w.reason +
                                              "\"): " + unused_waiver_reason(v, w)}}},
                               {"associatedRule", {{"id", w.id}}}});
    }
  }
  json invocation{{"executionSuccessful", true},
                  {"exitCode", v.exit_status},
                  {"arguments", v.argv},
                  {"commandLine", shell_join(v.argv)},
                  {"properties",
                   {{"verdict", v.verdict},
                    {"profile", v.profile},
                    {"strict", v.strict},
                    {"duration_ms", v.duration_ms},
                    {"waivers", waivers}}}};
  if (!v.started_at.empty()) invocation["startTimeUtc"] = v.started_at;
  if (!notifications.empty()) invocation["toolConfigurationNotifications"] = notifications;
  json notes = json::array();
  for (const auto& note : v.notes)
    notes.push_back({{"level", "note"}, {"message", {{"text", note}}}});
  if (!notes.empty()) invocation["toolExecutionNotifications"] = notes;
  if (const std::string said = terminal_text(v.launch.terminal_output); !said.empty())
    invocation["properties"]["terminal_output"] = printable(said);

  json counts = json::object();
  for (const auto& [k, n] : v.counts) counts[k] = n;
  json driver{{"name", v.tool_name}, {"rules", rules}};
  if (!v.tool_version.empty()) driver["version"] = v.tool_version;
  return json{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs",
               {{{"tool", {{"driver", driver}}},
                 {"invocations", {invocation}},
                 {"results", results},
                 {"properties",
                  {{"scorecard_schema", v.schema}, {"verdict", v.verdict}, {"counts", counts}}}}}}};
}

}  // namespace dc
