// The unit `daemoncheck --profile systemd -- CMD ARGS` makes up from its
// command line (service.md: the systemd profile is the service mode with a
// unit made from the command line). The text is an ordinary unit file, read
// by the same reader as a unit given with --unit, so the made-up unit is
// judged and reported exactly as a written one would be.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dc::unit {

struct MadeUpService {
  std::string program;                  // the command's program, resolved to an absolute path
  std::vector<std::string> argv;        // the command line; argv[0] is replaced by `program`
  bool notify = false;                  // --notify: Type=notify, else Type=simple
  std::optional<std::string> pid_file;  // --pidfile: PIDFile=
};

// The made-up unit's name, as its scorecard shows it.
inline constexpr std::string_view kMadeUpUnitName = "daemoncheck-made-up.service";

// One word of an Exec*= line, written so that systemd's reader gives it back
// unchanged: specifiers (%%) and variables ($$) escaped, quoted when it holds
// whitespace, a quote, a backslash or a lone ";", control bytes as \xHH.
std::string quote_exec_word(std::string_view word);

// The unit's text: [Service] with Type=, NotifyAccess=main (NOTIFY_SOCKET is
// given, as the systemd profile always gave it), KillMode=mixed (SIGTERM to
// the main process only, so that sigterm-cleanup sees what the service itself
// leaves behind; the rest get SIGKILL), PIDFile= and ExecStart=. Everything
// else is systemd's default.
std::string made_up_unit_text(const MadeUpService& service);

}  // namespace dc::unit
