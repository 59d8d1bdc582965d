// The process tree: the checker, the session holder, the launched process
// and the daemons it left, each with its pid, groups and session. Whether a
// daemon's session and terminal are good or bad is what the session rules
// said about that daemon, not judged again here.
#include "report/html/sections.h"

namespace dc::html {
namespace {

// "good", "bad" or neutral, as rule `id` judged daemon `pid`.
const char* judged(const ScorecardView& v, const char* id, long long pid,
                   const char* on_fail = "bad") {
  const std::string s = v.status_for(id, pid);
  return s == "pass" ? "good" : s == "fail" ? on_fail : "";
}

// How the daemon ended, when the checker saw it end: a chip.
std::string daemon_fate(const ScorecardView& v, long long pid) {
  for (const auto& e : v.launch.reaped) {
    if (e.pid == pid)
      return chip(exit_text(e) + " at " + esc(human_ms(e.at_ms)), e.signal.empty() ? "" : "bad");
  }
  return "";
}

// pid, groups, session and terminal of a daemon, marked as new-session,
// double-fork and no-controlling-tty judged it.
std::string daemon_chips(const ScorecardView& v, const DaemonView& d) {
  const LaunchView& l = v.launch;
  const std::string new_session = v.status_for("new-session", d.pid);
  std::string out = chip("pid " + pid_text(d.pid), "pid");
  out += chip("ppid " + pid_text(d.ppid));
  out += chip("pgrp " + pid_text(d.pgrp),
              new_session == "fail" && l.job_pgid && d.pgrp == l.job_pgid ? "bad" : "");
  const bool in_launch_session = l.launch_sid && d.sid == l.launch_sid;
  out += chip("sid " + pid_text(d.sid) + (in_launch_session ? " = launch session" : ""),
              judged(v, "new-session", d.pid));
  if (d.pid && d.pid == d.sid && v.status_for("double-fork", d.pid) == "fail")
    out += chip("session leader", "warn");
  const char* tty_class = judged(v, "no-controlling-tty", d.pid);
  if (d.tty_nr)
    out += chip("controlling tty " + std::to_string(d.tty_nr), tty_class);
  else if (std::string(tty_class) == "bad")
    out += chip("no controlling tty, but the launch terminal is open", tty_class);
  else
    out += chip("no controlling tty", tty_class);
  return out + daemon_fate(v, d.pid);
}

std::string descendants_list(const DaemonView& d) {
  if (d.descendants.empty()) return "";
  std::string out = "<ul>";
  for (const auto& p : d.descendants)
    out += "<li><div class=\"node\"><span class=\"role\">started by the daemon</span> " +
           chip("pid " + esc(p), "pid") + "</div></li>";
  return out + "</ul>";
}

std::string daemon_node(const ScorecardView& v, const DaemonView& d) {
  return "<div class=\"node n-daemon\"><span class=\"role\">daemon</span> <b>" + esc(d.comm) +
         "</b> " + daemon_chips(v, d) + "<div class=\"note\">" + esc(d.why) + "</div></div>" +
         descendants_list(d);
}

std::string checker_node(const LaunchView& l) {
  return "<div class=\"node n-checker\"><span class=\"role\">checker</span> <b>daemoncheck</b> " +
         chip("pid " + pid_text(l.checker_pid), "pid") + chip("child subreaper") + "</div>";
}

std::string holder_node(const LaunchView& l) {
  return "<div class=\"node n-holder\"><span class=\"role\">session holder</span> <b>the "
         "shell</b> " +
         chip("pid " + pid_text(l.holder_pid), "pid") + chip("sid " + pid_text(l.launch_sid)) +
         chip("leads " + esc(l.pty.empty() ? "the pty" : l.pty)) +
         "<div class=\"note\">a session leader on a fresh pseudo-terminal, like an interactive "
         "shell at its prompt</div></div>";
}

// A foreground service (the systemd profile) is the launched process itself.
std::string foreground_node(const ScorecardView& v, const DaemonView& d) {
  const LaunchView& l = v.launch;
  return "<div class=\"node n-launched n-daemon\"><span class=\"role\">launched · the "
         "daemon</span> <code>" +
         esc(command_line(l.argv)) + "</code> " + daemon_chips(v, d) +
         (l.exit ? chip(exit_text(*l.exit) + " at " + esc(human_ms(l.exit->at_ms)), "bad") : "") +
         "<div class=\"note\">the launched process is the service itself: it stays in the "
         "foreground</div></div>" +
         descendants_list(d);
}

std::string launched_node(const LaunchView& l) {
  std::string out = "<div class=\"node n-launched\"><span class=\"role\">launched</span> <code>" +
                    esc(command_line(l.argv)) + "</code> " +
                    chip("pid " + pid_text(l.launched_pid), "pid") +
                    chip("pgrp " + pid_text(l.job_pgid)) + chip("sid " + pid_text(l.launch_sid));
  if (l.exit)
    out += chip(exit_text(*l.exit) + " at " + esc(human_ms(l.exit->at_ms)),
                l.exit->exit_status == 0 ? "good" : "bad");
  else
    out += chip("still running at the start timeout", "warn");
  return out +
         "<div class=\"note\">the job: the foreground process group of the terminal</div></div>";
}

}  // namespace

std::string tree_section(const ScorecardView& v) {
  const LaunchView& l = v.launch;
  const DaemonView* foreground = nullptr;
  std::string daemon_items;
  for (const auto& d : v.daemons) {
    if (l.launched_pid && d.pid == l.launched_pid)
      foreground = &d;
    else
      daemon_items += "<li class=\"adopted\">" + daemon_node(v, d) + "</li>";
  }
  if (daemon_items.empty() && !foreground)
    daemon_items =
        "<li class=\"adopted\"><div class=\"node n-none\">no daemon survived startup</div></li>";

  std::string out =
      "<section id=\"tree\"><h2>Process tree <span class=\"hint\">as the checker saw it; a dashed "
      "line is a descendant that outlived its parent and was re-parented to the checker</span></h2>"
      "<div class=\"tree\"><ul>";
  if (!l.holder_pid && !l.launched_pid)  // --attach: nothing was launched
    return out + daemon_items + "</ul></div></section>\n";
  out += "<li>" + checker_node(l) + "<ul><li>" + holder_node(l) + "<ul><li>";
  out += foreground ? foreground_node(v, *foreground) : launched_node(l);
  if (!daemon_items.empty()) out += "<ul>" + daemon_items + "</ul>";
  return out + "</li></ul></li></ul></li></ul></div></section>\n";
}

}  // namespace dc::html
