// The sections of the HTML report (report/html.h), one file each, and the
// small pieces they share. Every section reads the scorecard through
// ScorecardView and passes every value from it through esc() (attributes
// included): all of it can come from the program under test.
#pragma once

#include <string>
#include <string_view>

#include "report/view.h"

namespace dc::html {

std::string esc(std::string_view s);
// A pill: `text` is HTML already; `kind` is a CSS class (good, bad, warn, pid).
std::string chip(const std::string& text, const char* kind = "");
// A pid, or "?" when it is unknown (0).
std::string pid_text(long long pid);
// "killed by SIGHUP", "exited 0", "ended" (HTML).
std::string exit_text(const ExitView& e);
// argv as a shell would read it back (not escaped).
std::string command_line(const std::vector<std::string>& argv);
// `part` of `whole` as a CSS percentage, clamped to 0..100%.
std::string pct(double part, double whole);

// The title, the command and what the page shows.
std::string header_section(const ScorecardView& v);
// The verdict, what gated it, the counts and the run's figures.
std::string verdict_section(const ScorecardView& v);
// What a reader should know about the check itself (the scorecard's notes).
std::string notes_section(const ScorecardView& v);
// Every rule, grouped by the seed step it teaches, with evidence and fixes.
std::string rules_section(const ScorecardView& v);
// The checker, the session holder, the launched process and the daemons.
std::string tree_section(const ScorecardView& v);
// Phases and process events in time order.
std::string timeline_section(const ScorecardView& v);
// What the target wrote on its terminal.
std::string terminal_section(const ScorecardView& v);
std::string waivers_section(const ScorecardView& v);
// What was planted, each daemon's state, the pidfile.
std::string facts_section(const ScorecardView& v);

}  // namespace dc::html
