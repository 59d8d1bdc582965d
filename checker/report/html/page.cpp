// See html.h. The page is built as one string from its sections (see
// sections.h); the style sheet is report/html/style.css, embedded at build
// time.
#include "report/control_json.h"
#include "report/escape.h"
#include "report/html.h"
#include "report/html/sections.h"
#include "report/html/style.h"
#include "report/view.h"

namespace dc {
namespace html {
namespace {

constexpr const char* kScript = R"JS(
(function(){
  var tools=document.querySelector('.tools'); if(!tools) return; tools.hidden=false;
  document.getElementById('only-problems').addEventListener('click',function(){
    var on=document.body.classList.toggle('only-problems');
    this.textContent=on?'Show every rule':'Show only what did not pass';});
  document.getElementById('expand-all').addEventListener('click',function(){
    var all=document.querySelectorAll('table.rules details'),open=this.dataset.open!=='1';
    for(var i=0;i<all.length;i++) all[i].open=open;
    this.dataset.open=open?'1':'0'; this.textContent=open?'Collapse all evidence':'Expand all evidence';});
})();
)JS";

std::string command_of(const ScorecardView& v) {
  return v.argv.empty() ? "attached to a running daemon" : shell_join(v.argv);
}

std::string head(const ScorecardView& v) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
         "'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
         "<title>daemoncheck: " +
         esc(v.verdict) + " — " + esc(command_of(v)) + "</title><style>" + kHtmlStyle +
         "</style></head><body><main>\n";
}

std::string footer(const ScorecardView& v) {
  return "<footer>Rendered by " + esc(v.tool_name + " " + v.tool_version) +
         " from a scorecard of schema " + esc(v.schema) +
         ". This page is self-contained: it loads nothing from the network.</footer>\n";
}

}  // namespace

std::string header_section(const ScorecardView& v) {
  return "<header><h1>daemoncheck report</h1><div class=\"cmd\">$ " + esc(command_of(v)) +
         "</div><p class=\"sub\">The checker launched this command the way an interactive shell "
         "would, caught the daemon it became, read its state from /proc, probed it, and judged " +
         std::to_string(v.rules.size()) + " rules of the " + esc(v.profile) +
         " profile.</p></header>\n";
}

}  // namespace html

std::string render_html(const nlohmann::json& sc) {
  using namespace html;
  const ScorecardView v = read_view(sc);
  std::string out = head(v);
  for (auto section : {header_section, verdict_section, notes_section, rules_section, tree_section,
                       timeline_section, terminal_section, waivers_section, facts_section}) {
    out += section(v);
    if (section == rules_section) out += control_timeline_html(sc);
  }
  out += footer(v);
  out += "</main><script>" + std::string(kScript) + "</script></body></html>\n";
  return out;
}

}  // namespace dc
