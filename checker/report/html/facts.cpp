// What the check saw besides the rules: what the launching shell planted,
// each daemon's state, the pidfile, the waivers, and what the target wrote
// on its terminal.
#include "report/html/sections.h"

namespace dc::html {
namespace {

std::string names(const std::vector<std::string>& list) {
  if (list.empty()) return "none";
  std::string out;
  for (const auto& x : list) out += (out.empty() ? "" : ", ") + x;
  return out;
}

std::string row(const std::string& k, const std::string& val) {
  return "<div><dt>" + esc(k) + "</dt><dd>" + esc(val) + "</dd></div>";
}

std::string ids(const IdsView& x) {
  return std::to_string(x.real) + " / " + std::to_string(x.effective) + " / " +
         std::to_string(x.saved);
}

std::string planted_card(const LaunchView& l) {
  std::string fds;
  for (const auto& f : l.planted_fds)
    fds += (fds.empty() ? "" : "; ") + std::to_string(f.fd) + ": " + f.kind + " " + f.path;
  return "<article><h3>What the launching shell planted</h3><dl>" + row("umask", l.umask) +
         row("descriptors", fds.empty() ? "none" : fds) +
         row("blocked signals", names(l.blocked_signals)) +
         row("ignored signals", names(l.ignored_signals)) +
         row("environment canary", l.canary_name) + row("terminal", l.pty) +
         row("working directory", l.tmp) + "</dl></article>";
}

std::string fd_table(const std::vector<FdView>& fds) {
  if (fds.empty()) return "";
  std::string out =
      "<table class=\"fds\"><thead><tr><th>fd</th><th>refers to</th></tr></thead><tbody>";
  for (const auto& f : fds)
    out +=
        "<tr><td>" + std::to_string(f.fd) + "</td><td><code>" + esc(f.target) + "</code></td></tr>";
  return out + "</tbody></table>";
}

std::string daemon_card(const DaemonView& d) {
  std::string out =
      "<article><h3>Daemon pid " + pid_text(d.pid) + " (" + esc(d.comm) + ")</h3><dl>";
  out += row("working directory", d.cwd);
  out += row("root", d.root);
  out += row("umask", d.umask);
  out += row("uid real/effective/saved", ids(d.uid));
  out += row("gid real/effective/saved", ids(d.gid));
  out += row("blocked signals", names(d.blocked_signals));
  out += row("ignored signals", names(d.ignored_signals));
  out += row("caught signals", names(d.caught_signals));
  out += row("RLIMIT_CORE soft/hard", d.core_soft + " / " + d.core_hard);
  out += "</dl>" + fd_table(d.fds);
  if (!d.errors.empty())
    out += "<p class=\"errors\">could not read: " + esc(names(d.errors)) + "</p>";
  return out + "</article>";
}

std::string pidfile_card(const PidfileView& pf) {
  return "<article><h3>Pidfile</h3><dl>" + row("path", pf.path) + row("found by", pf.found_by) +
         row("exists", pf.exists ? "yes" : "no") + row("content", pf.content) +
         row("locks", names(pf.locks)) + "</dl></article>";
}

}  // namespace

std::string facts_section(const ScorecardView& v) {
  std::string out = "<section id=\"facts\"><h2>Facts</h2><div class=\"cards\">";
  if (v.launch.holder_pid) out += planted_card(v.launch);
  for (const auto& d : v.daemons) out += daemon_card(d);
  if (v.pidfile) out += pidfile_card(*v.pidfile);
  return out + "</div></section>\n";
}

std::string waivers_section(const ScorecardView& v) {
  if (v.waivers.empty()) return "";
  std::string out = "<section id=\"waivers\"><h2>Waivers</h2><ul class=\"waivers\">";
  for (const auto& w : v.waivers) {
    out += "<li class=\"" + std::string(w.used ? "used" : "unused") + "\"><code>" + esc(w.id) +
           "</code> " +
           (w.used ? std::string("used") : "<b>unused</b>: " + esc(unused_waiver_reason(v, w))) +
           " — " + esc(w.reason) + "</li>";
  }
  return out + "</ul></section>\n";
}

std::string terminal_section(const ScorecardView& v) {
  const std::string said = terminal_text(v.launch.terminal_output);
  if (said.empty()) return "";
  return "<section id=\"terminal\"><h2>Terminal <span class=\"hint\">the last 4 KiB the target "
         "and its descendants wrote on the terminal it was launched on</span></h2>"
         "<pre class=\"terminal\">" +
         esc(said) + "</pre></section>\n";
}

}  // namespace dc::html
