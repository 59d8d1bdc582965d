// See markdown.h.
#include "report/markdown.h"

#include "report/escape.h"
#include "report/view.h"

namespace dc {
namespace {

// `text` as inline code when it can be one, else as escaped text.
std::string code_span(const std::string& text) {
  bool plain = !text.empty();
  for (unsigned char c : text) plain = plain && c >= 0x20 && c != 0x7F && c != '`' && c != '|';
  return plain ? "`" + text + "`" : markdown_escape(text);
}

const char* status_icon(const RuleView& r) {
  if (r.status == "pass") return "✅";
  if (r.status == "fail") return r.severity == "required" ? "❌" : "⚠️";
  if (r.status == "error") return "❗";
  if (r.status == "waived") return "🔕";
  return "➖";
}

// The notes on the check, and what the target wrote on its terminal.
std::string notes_and_terminal(const ScorecardView& v) {
  std::string out;
  if (!v.notes.empty()) {
    out += "\n### Notes\n\n";
    for (const auto& note : v.notes) out += "- " + markdown_escape(note) + "\n";
  }
  const std::string said = terminal_text(v.launch.terminal_output);
  if (!said.empty())
    out += "\n<details><summary>What the target wrote on its terminal</summary>\n\n" +
           markdown_fence(printable(said), "text") + "\n</details>\n";
  return out;
}

}  // namespace

std::string render_markdown(const nlohmann::json& sc) {
  const ScorecardView v = read_view(sc);
  const bool pass = v.verdict == "pass";
  std::string target = v.argv.empty() ? std::string("attached to a running daemon")
                                      : markdown_escape(shell_join(v.argv));
  // A service check is named by its unit file; a made-up unit by its command.
  if (v.unit && !v.unit->made_up && !v.unit->name.empty()) target = code_span(v.unit->name);
  std::string out = std::string("## ") + (pass ? "✅" : "❌") +
                    " daemoncheck: " + (pass ? "pass" : "fail") + " — " + target + "\n\n";
  if (v.unit && !v.unit->made_up && !v.unit->file.empty()) {
    out += "Unit file " + code_span(v.unit->file);
    for (const auto& d : v.unit->dropins) out += ", drop-in " + code_span(d);
    if (!v.unit->not_simulated.empty()) {
      out += " · not simulated:";
      for (const auto& k : v.unit->not_simulated) out += " " + code_span(k);
    }
    out += "\n\n";
  }
  out += "**" + markdown_escape(v.profile) + "** profile · " + markdown_escape(counts_line(v)) +
         " · " + human_ms(v.duration_ms) + " · exit status " + std::to_string(v.exit_status);
  if (v.strict) out += " · `--strict`";
  out += " · " + markdown_escape(v.tool_name + " " + v.tool_version);
  if (!v.started_at.empty()) out += " · " + markdown_escape(v.started_at);
  out += "\n\n";

  out += "| | Rule | Severity | Status | Message |\n|:-:|---|---|---|---|\n";
  for (const auto& r : v.rules) {
    std::string status = r.status == "pass" || r.status == "skip"
                             ? markdown_escape(r.status)
                             : "**" + markdown_escape(r.status) + "**";
    std::string message = markdown_escape(r.message);
    if (r.status == "waived") message += " *(waived: " + markdown_escape(r.waiver) + ")*";
    out.append("| ").append(status_icon(r)).append(" | ").append(code_span(r.id));
    out.append(" | ").append(markdown_escape(r.severity)).append(" | ").append(status);
    out.append(" | ").append(message).append(" |\n");
  }

  int shown = 0;
  std::string evidence;
  for (const auto& r : v.rules) {
    if (r.status == "pass" || r.status == "skip") continue;
    ++shown;
    evidence +=
        "#### " + code_span(r.id) + " — " + markdown_escape(r.title) + " (step " +
        markdown_escape(r.seed_step) + ")\n\n" +
        markdown_fence(r.evidence.dump(2, ' ', false, nlohmann::json::error_handler_t::replace),
                       "json") +
        "\n";
  }
  if (shown > 0)
    out += "\n<details><summary>Evidence of the " + std::to_string(shown) + " rule" +
           (shown == 1 ? "" : "s") + " that did not pass</summary>\n\n" + evidence + "</details>\n";

  if (!v.waivers.empty()) {
    out += "\n### Waivers\n\n";
    for (const auto& w : v.waivers) {
      out += "- " + code_span(w.id) + ": " +
             (w.used ? std::string("used") : "**unused** (" + unused_waiver_reason(v, w) + ")") +
             " — " + markdown_escape(w.reason) + "\n";
    }
  }
  return out + notes_and_terminal(v);
}

}  // namespace dc
