// One self-contained HTML page (inline CSS and a little inline JS, no network,
// no external fonts) for a learner: the verdict as a banner, the rules grouped
// by the tutorial step they teach with expandable evidence and fixes, the
// process tree that was observed (holder -> launched -> daemon, with pids,
// sessions and groups), the timeline of the run, the notes on the check and
// what the target wrote on its terminal. The sections are in report/html/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace dc {

std::string render_html(const nlohmann::json& scorecard);

}  // namespace dc
