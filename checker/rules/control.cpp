// The control profile's rules (control.md): what a start/stop/status script
// answered to each action of the sequence, judged against the LSB "Init
// Script Actions" table. Each rule reads the recorded actions of
// Observation::control and nothing else.
#include <algorithm>

#include "common/text.h"
#include "rules/catalog.h"
#include "rules/facts.h"

namespace dc {
namespace {

using Runs = std::vector<const ActionRun*>;

Runs runs_of(const ControlFacts& c, ControlStep step, std::string_view action = {}) {
  Runs out;
  for (const auto& r : c.runs)
    if (r.step == step && (action.empty() || r.action == action)) out.push_back(&r);
  return out;
}

bool requested(const ControlFacts& c, std::string_view action) {
  return std::find(c.actions_requested.begin(), c.actions_requested.end(), action) !=
         c.actions_requested.end();
}

std::string pids_text(const std::vector<pid_t>& pids) {
  std::vector<std::string> s;
  for (pid_t p : pids) s.push_back(std::to_string(p));
  return join(s);
}

// "`stop` exited with status 1 after 12 ms", "`start` was killed at the 10 s
// action timeout", with its last line of output when it said something.
std::string how_it_ended(const ActionRun& r) {
  std::string out = "`" + r.action + "`";
  if (r.timed_out)
    out += " was still running at the action timeout and was killed with what it started";
  else if (r.signal)
    out += " was killed by " + signal_name(*r.signal);
  else if (r.exit_status)
    out += " exited with status " + std::to_string(*r.exit_status);
  else
    out += " ended";
  out += " after " + fixed_ms(r.duration_ms) + " ms";
  const std::string said = last_line(r.output);
  if (!said.empty()) out += " (it said `" + escape_bytes(said, '`', true) + "`)";
  return out;
}

bool exited(const ActionRun& r, int status) {
  return !r.timed_out && !r.signal && r.exit_status == status;
}

nlohmann::json run_json(const ActionRun& r) {
  nlohmann::json j{{"action", r.action},
                   {"why", r.why},
                   {"duration_ms", r.duration_ms},
                   {"timed_out", r.timed_out},
                   {"daemons_before", r.daemons_before},
                   {"daemons_after", r.daemons}};
  if (r.exit_status) j["exit_status"] = *r.exit_status;
  if (r.signal) j["signal"] = signal_name(*r.signal);
  const std::string said = last_line(r.output);
  if (!said.empty()) j["last_line"] = said;
  return j;
}

// The facts every rule needs; a check whose sequence broke off before the
// step a rule reads is `error`, never a pass.
const ControlFacts* facts(const Observation& o) {
  return o.control ? &*o.control : nullptr;
}

Verdict not_reached(const ControlFacts& c, const char* what) {
  if (!c.error.empty())
    return error(std::string("the sequence broke off before ") + what + ": " + c.error);
  return error(std::string("the sequence never reached ") + what);
}

const char* kNotControl = "not a control check";

Verdict status_when_stopped(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  Runs checked = runs_of(*c, ControlStep::StatusStopped, "status");
  Runs after_stop = runs_of(*c, ControlStep::Stop, "status");
  if (!after_stop.empty()) checked.push_back(after_stop.front());
  if (checked.empty()) return not_reached(*c, "a status with nothing running");
  nlohmann::json ev = nlohmann::json::array();
  for (const ActionRun* r : checked) {
    ev.push_back(run_json(*r));
    if (exited(*r, 3)) continue;
    std::string meaning = r->exit_status == 0 ? ": 0 says the daemon runs, a lie a monitor believes"
                                              : ": LSB wants 3, \"program is not running\"";
    return fail(how_it_ended(*r) + " " + r->why + meaning, {{"actions", ev}});
  }
  return pass("`status` exited 3 (\"program is not running\") each time nothing ran",
              {{"actions", ev}});
}

Verdict start_starts(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  Runs start = runs_of(*c, ControlStep::Start, "start");
  Runs status = runs_of(*c, ControlStep::Start, "status");
  if (start.empty()) return not_reached(*c, "the first start");
  const ActionRun& s = *start.front();
  nlohmann::json ev{{"start", run_json(s)}};
  if (!exited(s, 0)) return fail(how_it_ended(s) + ": LSB `start` exits 0 when it started", ev);
  if (s.daemons.empty())
    return fail("`start` exited 0 but no daemon was running when it returned" +
                    (last_line(s.output).empty()
                         ? std::string(" (it printed nothing)")
                         : " (it said `" + escape_bytes(last_line(s.output), '`', true) + "`)") +
                    ": wait until the daemon runs, or exit non-zero",
                ev);
  if (status.empty()) return not_reached(*c, "the status after the first start");
  ev["status"] = run_json(*status.front());
  if (!exited(*status.front(), 0))
    return fail("the daemon (pid " + pids_text(s.daemons) + ") runs but " +
                    how_it_ended(*status.front()) + " right after `start`: LSB wants 0",
                ev);
  return pass(
      "`start` exited 0 with daemon pid " + pids_text(s.daemons) + " running, and `status` said 0",
      ev);
}

Verdict start_when_running(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  Runs again = runs_of(*c, ControlStep::StartRunning, "start");
  if (again.empty()) return not_reached(*c, "the second start");
  const ActionRun& s = *again.front();
  nlohmann::json ev{{"start", run_json(s)}};
  // Without a daemon to start again this is the first start once more: no
  // evidence either way (start-starts judges it).
  if (s.daemons_before.empty())
    return error("no daemon ran when the second `start` ran (the first left none)", ev);
  if (!exited(s, 0))
    return fail(
        how_it_ended(s) + " with the daemon running: LSB `start` of a running service succeeds (0)",
        ev);
  if (s.daemons.size() != 1)
    return fail("after a second `start` " + std::to_string(s.daemons.size()) +
                    " daemons run (pids " + pids_text(s.daemons) +
                    "): it started another instead of seeing the first",
                ev);
  if (s.daemons != s.daemons_before)
    return fail("the second `start` replaced the daemon (pid " + pids_text(s.daemons_before) +
                    " before, " + pids_text(s.daemons) + " after): it should leave it running",
                ev);
  for (const auto& d : c->decoys) {
    const bool alive = std::any_of(s.table.begin(), s.table.end(),
                                   [&](const ControlProcess& p) { return p.pid == d.pid; });
    if (!alive)
      return fail("the " + d.kind + " decoy (pid " + std::to_string(d.pid) +
                      ") was gone after the second `start`: it was taken for the daemon",
                  ev);
  }
  return pass("the second `start` exited 0 and left the same daemon (pid " + pids_text(s.daemons) +
                  ") running",
              ev);
}

Verdict stop_stops(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  Runs stops = runs_of(*c, ControlStep::Stop, "stop");
  if (stops.empty()) return not_reached(*c, "the first stop");
  const ActionRun& s = *stops.front();
  nlohmann::json ev{{"stop", run_json(s)}};
  // A script that never started a daemon has stopped nothing: no pass.
  if (s.daemons_before.empty())
    return error("no daemon ran when `stop` ran (`start` left none), so it stopped nothing", ev);
  if (!exited(s, 0)) return fail(how_it_ended(s) + ": LSB `stop` exits 0 once stopped", ev);
  if (!s.daemons.empty())
    return fail("`stop` exited 0 but the daemon (pid " + pids_text(s.daemons) +
                    ") was still running when it returned: wait until it has exited",
                ev);
  if (!s.daemon_tree_left.empty()) {
    ev["left"] = s.daemon_tree_left;
    return fail("`stop` ended the daemon but not what it started (pids " +
                    pids_text(s.daemon_tree_left) + "): signal the daemon's whole process group",
                ev);
  }
  std::string note;
  if (s.pidfile_after) {
    ev["pidfile_left"] = c->pidfile.value_or("");
    note = "; the pidfile " + c->pidfile.value_or("") +
           " was left behind (recommended: remove it, or the next start must tell it is stale)";
  }
  return pass("`stop` exited 0 with the daemon and everything it started gone" + note, ev);
}

Verdict stop_when_stopped(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  Runs stops = runs_of(*c, ControlStep::Stop, "stop");
  if (stops.size() < 2) return not_reached(*c, "the stop with nothing running");
  const ActionRun& s = *stops[1];
  nlohmann::json ev{{"stop", run_json(s)}};
  if (!exited(s, 0))
    return fail(
        how_it_ended(s) + " with nothing running: LSB `stop` of a stopped service succeeds (0)",
        ev);
  return pass("`stop` with nothing running exited 0", ev);
}

Verdict decoy_untouched(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  if (c->no_decoy) return skip("--no-decoy: no decoy was planted");
  if (c->decoys.empty()) return not_reached(*c, "the decoys (no daemon ran to imitate)");
  // Untouched so far is no evidence: the decoys must live through every action.
  if (runs_of(*c, ControlStep::Final).empty()) return not_reached(*c, "the final stop");
  nlohmann::json ev = nlohmann::json::array();
  std::vector<std::string> wrong;
  bool by_name = false;
  std::string counted;  // a `status` that exited 0 with only the decoys running
  for (const auto& d : c->decoys) {
    ev.push_back({{"kind", d.kind},
                  {"pid", d.pid},
                  {"argv", d.argv},
                  {"alive_at_end", d.alive_at_end},
                  {"signals", d.signals},
                  {"counted_as_daemon_by", d.counted_as_daemon_by}});
    if (!d.counted_as_daemon_by.empty() && counted.empty())
      counted = d.counted_as_daemon_by.front();
    std::string what;
    if (!d.signals.empty())
      what = "got " + d.signals.front();
    else if (!d.alive_at_end)
      what = "was gone at the end (SIGKILL or SIGSTOP cannot be caught)";
    if (what.empty()) continue;
    wrong.push_back("the " + d.kind + " decoy (pid " + std::to_string(d.pid) + ", `" +
                    escape_bytes(join(d.argv, " "), '`') + "`) " + what);
    // Signalled only while the stale pidfile named it (step 9): the script
    // trusted that pidfile, which is no search by name.
    const bool via_pidfile = d.alive_at_end && !d.signal_steps.empty() &&
                             std::all_of(d.signal_steps.begin(), d.signal_steps.end(), [](int s) {
                               return s == control_step_number(ControlStep::Recycled);
                             });
    if (!via_pidfile) by_name = true;
  }
  // Which decoy a `status` counted cannot be told: it exited 0 while only
  // they ran.
  if (!counted.empty()) {
    wrong.push_back(counted +
                    " exited 0 with only the decoys running: it counted one of them "
                    "as the daemon");
    by_name = true;
  }
  if (!wrong.empty()) {
    const std::string cause =
        by_name ? "the script finds its daemon by name (`ps | grep`, `pgrep -f`, `pidof`); "
                  "find it by a pidfile it locks, and check that the pid runs the daemon"
                : "the script signalled the pid its stale pidfile named without checking that "
                  "it runs the daemon (see stale-pidfile-safe); check the pid's executable "
                  "(start-stop-daemon --exec) or the pidfile's lock (daemonctl)";
    return fail(join(wrong, "; ") + ": " + cause, {{"decoys", ev}});
  }
  return pass("both decoys lived through every action, unsignalled and never counted",
              {{"decoys", ev}});
}

Verdict restart_restarts(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  Runs r = runs_of(*c, ControlStep::Restart, "restart");
  if (r.empty()) return not_reached(*c, "the restart");
  const ActionRun& s = *r.front();
  nlohmann::json ev{{"restart", run_json(s)}};
  if (!exited(s, 0)) return fail(how_it_ended(s) + ": LSB `restart` exits 0", ev);
  for (pid_t old : s.daemons_before)
    if (std::find(s.daemons.begin(), s.daemons.end(), old) != s.daemons.end())
      return fail("after `restart` the old daemon (pid " + std::to_string(old) +
                      ") still runs: stop, wait until it is gone, then start",
                  ev);
  if (s.daemons.size() != 1)
    return fail("after `restart` " + std::to_string(s.daemons.size()) + " daemons run" +
                    (s.daemons.empty() ? std::string() : " (pids " + pids_text(s.daemons) + ")") +
                    ": `restart` must leave exactly one new daemon (did `start` run before "
                    "`stop` had finished?)",
                ev);
  return pass("`restart` exited 0: daemon pid " + pids_text(s.daemons_before) + " replaced by " +
                  pids_text(s.daemons),
              ev);
}

Verdict status_when_dead(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  if (!c->crashed) return not_reached(*c, "the crash");
  if (!c->pidfile_left_by_crash)
    return skip(
        "no pidfile named the crashed daemon, so \"dead and pid file exists\" cannot "
        "apply");
  Runs r = runs_of(*c, ControlStep::Crash, "status");
  if (r.empty()) return not_reached(*c, "the status after the crash");
  const ActionRun& s = *r.front();
  nlohmann::json ev{{"crashed", c->crashed}, {"status", run_json(s)}};
  if (exited(s, 1))
    return pass("after the crash `status` exited 1 (\"dead and pid file exists\")", ev);
  if (exited(s, 3))
    return fail("after the crash (pid " + std::to_string(c->crashed) +
                    " killed, pidfile left) `status` exited 3: many tools accept it, but it "
                    "hides the crash; LSB says 1, \"dead and pid file exists\"",
                ev);
  return fail(how_it_ended(s) + " after the daemon (pid " + std::to_string(c->crashed) +
                  ") was killed and its pidfile left" +
                  (exited(s, 0) ? ": 0 says it runs, a lie" : ": LSB wants 1"),
              ev);
}

Verdict stale_pidfile_safe(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  if (!c->recycled_into_pidfile)
    return !c->crashed                 ? not_reached(*c, "the crash")
           : c->no_decoy               ? skip("--no-decoy: no pid to recycle into the pidfile")
           : !c->pidfile_left_by_crash ? skip("the daemon keeps no pidfile, so none can go stale")
                                       : not_reached(*c, "the recycled pid");
  Runs stops = runs_of(*c, ControlStep::Recycled, "stop");
  Runs starts = runs_of(*c, ControlStep::Recycled, "start");
  if (stops.empty() || starts.empty())
    return not_reached(*c, "the stop and start on a stale pidfile");
  nlohmann::json ev{{"pidfile_names", c->recycled_into_pidfile},
                    {"stop", run_json(*stops.front())},
                    {"start", run_json(*starts.front())}};
  for (const auto& d : c->decoys)
    if (d.pid == c->recycled_into_pidfile)
      for (const auto& sig : d.signals)
        if (sig.find("step 9") != std::string::npos)
          return fail("with the stale pidfile naming pid " +
                          std::to_string(c->recycled_into_pidfile) +
                          " (an unrelated process), the script signalled it: " + sig +
                          "; check that the pid runs the daemon, or lock the pidfile",
                      ev);
  if (!exited(*stops.front(), 0))
    return fail(how_it_ended(*stops.front()) + " with a stale pidfile naming pid " +
                    std::to_string(c->recycled_into_pidfile) + ": nothing runs, so LSB wants 0",
                ev);
  const ActionRun& s = *starts.front();
  if (!exited(s, 0) || s.daemons.empty())
    return fail(how_it_ended(s) + (s.daemons.empty() ? " and no daemon runs" : "") +
                    " with a stale pidfile naming a live unrelated process: `kill -0 $(cat "
                    "pidfile)` takes it for the daemon; lock the pidfile instead",
                ev);
  return pass(
      "with the stale pidfile naming an unrelated process, `stop` exited 0 without "
      "signalling it and `start` started daemon pid " +
          pids_text(s.daemons),
      ev);
}

Verdict bad_action_usage(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  Runs r = runs_of(*c, ControlStep::Unknown);
  if (r.empty()) return not_reached(*c, "the unknown action");
  const ActionRun& s = *r.front();
  nlohmann::json ev{{"action", run_json(s)}, {"files_created", s.files_created}};
  if (!exited(s, 2))
    return fail(how_it_ended(s) +
                    ": an unknown action exits 2 (\"invalid or excess arguments\") with its usage",
                ev);
  if (last_line(s.error_output).empty())
    return fail(
        "the unknown action exited 2 but wrote nothing on stderr: print the usage "
        "there (`echo \"Usage: $0 {start|stop|status|restart}\" >&2`)",
        ev);
  if (!s.files_created.empty())
    return fail("the unknown action created " + join(s.files_created) +
                    ": parse the action before touching anything",
                ev);
  return pass("the unknown action exited 2 with its usage on stderr", ev);
}

Verdict actions_return_promptly(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  if (c->runs.empty()) return not_reached(*c, "any action");
  for (const auto& r : c->runs) {
    if (r.timed_out)
      return fail("`" + r.action + "` " + r.why + " ran past the " + fixed_s(c->action_timeout_s) +
                      " s action timeout (killed with what it started): an init script must "
                      "return (start the daemon in the background, bound every wait)",
                  {{"action", run_json(r)}});
    if (!r.helpers_left.empty())
      return fail("`" + r.action + "` " + r.why + " left processes of its own behind (pids " +
                      pids_text(r.helpers_left) +
                      "), the daemon aside: a `sleep`, a `tail -f` or a subshell holds the "
                      "caller's terminal or pipe",
                  {{"action", run_json(r)}, {"left", r.helpers_left}});
  }
  return pass("every action returned within the " + fixed_s(c->action_timeout_s) +
              " s action timeout, leaving nothing of its own behind");
}

Verdict run_stays_in_foreground(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  if (!requested(*c, "run")) return skip("`run` is not in --actions");
  Runs r = runs_of(*c, ControlStep::Optional, "run");
  if (r.empty()) return not_reached(*c, "the run action");
  const ActionRun& s = *r.front();
  nlohmann::json ev{{"run", run_json(s)}};
  if (!s.stayed_in_foreground)
    return fail(how_it_ended(s) +
                    " on its own: `run` must be the service in the foreground (exec the daemon "
                    "with its foreground option)",
                ev);
  if (!s.exited_on_sigterm.value_or(false))
    return fail(
        "`run` stayed in the foreground but did not exit on SIGTERM within the action "
        "timeout: `exec` the daemon so that the signal reaches it",
        ev);
  return pass("`run` stayed in the foreground and exited on SIGTERM", ev);
}

Verdict reload_keeps_pid(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  Runs checked;
  for (const char* a : {"reload", "force-reload"})
    if (requested(*c, a))
      for (const ActionRun* r : runs_of(*c, ControlStep::Optional, a)) checked.push_back(r);
  if (!requested(*c, "reload") && !requested(*c, "force-reload"))
    return skip("neither `reload` nor `force-reload` is in --actions");
  if (checked.empty()) return not_reached(*c, "the reload actions");
  nlohmann::json ev = nlohmann::json::array();
  for (const ActionRun* r : checked) {
    ev.push_back(run_json(*r));
    if (!exited(*r, 0)) return fail(how_it_ended(*r) + ": LSB wants 0", {{"actions", ev}});
    const bool restarted = r->daemons != r->daemons_before;
    if (r->daemons.size() != 1)
      return fail("after `" + r->action + "` " + std::to_string(r->daemons.size()) +
                      " daemons run: exactly one must",
                  {{"actions", ev}});
    if (restarted && r->action == "reload")
      return fail("`reload` replaced the daemon (pid " + pids_text(r->daemons_before) + " -> " +
                      pids_text(r->daemons) +
                      "): send it SIGHUP (or what it reloads on) instead of restarting it",
                  {{"actions", ev}});
  }
  return pass("the reload actions exited 0 and one daemon runs after each", {{"actions", ev}});
}

Verdict try_restart_when_stopped(const Observation& o) {
  const ControlFacts* c = facts(o);
  if (!c) return skip(kNotControl);
  if (!requested(*c, "try-restart")) return skip("`try-restart` is not in --actions");
  Runs r = runs_of(*c, ControlStep::Optional, "try-restart");
  if (r.empty()) return not_reached(*c, "the try-restart action");
  const ActionRun& s = *r.front();
  nlohmann::json ev{{"try-restart", run_json(s)}};
  if (!exited(s, 0)) return fail(how_it_ended(s) + " with nothing running: LSB wants 0", ev);
  if (!s.daemons.empty())
    return fail("`try-restart` with nothing running started a daemon (pid " + pids_text(s.daemons) +
                    "): it restarts only a running service",
                ev);
  return pass("`try-restart` with nothing running exited 0 and started nothing", ev);
}

// The fixes are lines of a control script, on Debian's start-stop-daemon and
// on the reference's daemonctl.
RuleDoc doc(const char* checks, const char* why, const char* how, const char* fix) {
  return RuleDoc{.checks = checks, .why = why, .how = how, .fix_shell = fix};
}

}  // namespace

void add_control_rules(std::vector<RuleDef>& out) {
  auto add = [&](const char* id, const char* title, Severity sev,
                 Verdict (*check)(const Observation&), RuleDoc d) {
    out.push_back(RuleDef{.id = id,
                          .title = title,
                          .severity = sev,
                          .seed_step = "control",
                          .profiles = kControl,
                          .per_run = check,
                          .doc = d});
  };
  add("status-when-stopped", "status says 3 when nothing runs", Severity::Required,
      status_when_stopped,
      doc("`status` exits 3 with nothing running, before the first start and after a stop.",
          "Monitors (Pacemaker, Ansible's service module, systemd's sysv generator) read "
          "status's exit code: 0 is \"running\", 3 \"not running\".",
          "The checker runs `SCRIPT status` before anything started and after `stop`.",
          "status) start-stop-daemon --status --pidfile \"$PIDFILE\" --exec \"$DAEMON\"; exit $? "
          ";;\n# or: status) exec daemonctl status --pidfile \"$PIDFILE\" ;;"));
  add("start-starts", "start starts the daemon", Severity::Required, start_starts,
      doc("`start` exits 0 within the action timeout, a daemon runs when it returns, and "
          "`status` right after exits 0.",
          "A caller takes exit 0 as \"started\": a start that returns before the daemon runs, "
          "or reports success for a daemon that died at once, fails silently.",
          "The checker runs `SCRIPT start`, finds the daemon (its pidfile, else the process "
          "that survives outside the action's own tree), then runs `status`.",
          "# after --: the daemon's own options; it detaches, and writes and locks $PIDFILE\n"
          "start) start-stop-daemon --start --oknodo --pidfile \"$PIDFILE\" --exec \"$DAEMON\" -- "
          "--pidfile \"$PIDFILE\" ;;\n"
          "# or: start) exec daemonctl start --lsb --pidfile \"$PIDFILE\" -- \"$DAEMON\" ;;"));
  add("start-when-running", "start of a running daemon succeeds and starts nothing",
      Severity::Required, start_when_running,
      doc("A second `start` exits 0, leaves exactly one daemon with the same pid, and the "
          "decoys alive.",
          "LSB: starting a running service succeeds. A script that starts a second daemon, "
          "or fails, breaks every `start` that is run twice (boot ordering, config management).",
          "The checker runs `start` again with the daemon running and compares the daemons.",
          "# --oknodo: exit 0 when the daemon runs already\n"
          "start) start-stop-daemon --start --oknodo --pidfile \"$PIDFILE\" --exec \"$DAEMON\" -- "
          "--pidfile \"$PIDFILE\" ;;\n"
          "# or: start) exec daemonctl start --lsb --pidfile \"$PIDFILE\" -- \"$DAEMON\" ;;   # "
          "--lsb: likewise"));
  add("stop-stops", "stop stops the daemon and waits", Severity::Required, stop_stops,
      doc("`stop` exits 0, and when it returns the daemon and everything it started are gone; "
          "a pidfile left behind is noted.",
          "A `stop` that returns before the daemon exited makes the next `start` (a restart, a "
          "package upgrade) meet the old daemon.",
          "The checker runs `stop` and reads the process table when it returns.",
          "# --retry: SIGTERM, wait up to 30 s for the exit, then SIGKILL and wait again\n"
          "stop) start-stop-daemon --stop --oknodo --retry=TERM/30/KILL/5 --pidfile \"$PIDFILE\" "
          "--exec \"$DAEMON\" || exit 1\n  rm -f \"$PIDFILE\" ;;\n"
          "# or: stop) exec daemonctl stop --pidfile \"$PIDFILE\" ;;"));
  add("stop-when-stopped", "stop with nothing running succeeds", Severity::Required,
      stop_when_stopped,
      doc("`stop` with nothing running exits 0.",
          "LSB: stopping a stopped service succeeds; a failure there fails every shutdown "
          "script that stops what may not run.",
          "The checker runs `stop` a second time after the first one.",
          "# --oknodo: exit 0 when nothing runs\n"
          "stop) start-stop-daemon --stop --oknodo --retry=TERM/30/KILL/5 --pidfile \"$PIDFILE\" "
          "--exec \"$DAEMON\" || exit 1\n  rm -f \"$PIDFILE\" ;;\n"
          "# or: stop) exec daemonctl stop --pidfile \"$PIDFILE\" ;;   # 0 when nothing runs"));
  add("decoy-untouched", "No unrelated process is taken for the daemon", Severity::Required,
      decoy_untouched,
      doc("Two decoys (a pager whose command line is `less` and the daemon's command line; a "
          "process with the daemon's name) live through every action, are never signalled, "
          "and no `status` counts them.",
          "`ps aux | grep NAME`, `pgrep -f NAME` and `pidof NAME` also match an editor open on "
          "the daemon's script, a `tail -f` of its log, another program of the same name: "
          "`stop` kills them and `status` reports a dead daemon running.",
          "The checker starts both decoys inside the check, records every signal they get "
          "(signalfd, with the sender) and whether they live at the end.",
          "# find the daemon by its pidfile and its executable (or the pidfile's lock), never "
          "by name:\n"
          "stop) start-stop-daemon --stop --oknodo --retry=TERM/30/KILL/5 --pidfile \"$PIDFILE\" "
          "--exec \"$DAEMON\" || exit 1\n  rm -f \"$PIDFILE\" ;;\n"
          "status) start-stop-daemon --status --pidfile \"$PIDFILE\" --exec \"$DAEMON\"; exit $? "
          ";;\n"
          "# or: stop) exec daemonctl stop --pidfile \"$PIDFILE\" ;;\n"
          "# or: status) exec daemonctl status --pidfile \"$PIDFILE\" ;;"));
  add("restart-restarts", "restart leaves exactly one new daemon", Severity::Required,
      restart_restarts,
      doc("`restart` exits 0, the old daemon is gone, exactly one new daemon runs.",
          "A `restart` that starts before the old daemon has exited leaves two daemons, or "
          "none when the new one fails on the old one's lock.",
          "The checker compares the daemons before and after `restart`.",
          "restart) start-stop-daemon --stop --oknodo --retry=TERM/30/KILL/5 --pidfile "
          "\"$PIDFILE\" --exec \"$DAEMON\" || exit 1\n  start-stop-daemon --start --pidfile "
          "\"$PIDFILE\" --exec \"$DAEMON\" -- --pidfile \"$PIDFILE\" ;;\n# or: restart) daemonctl "
          "stop --pidfile \"$PIDFILE\" && exec "
          "daemonctl start --lsb --pidfile \"$PIDFILE\" -- \"$DAEMON\" ;;"));
  add("status-when-dead", "status says 1 after a crash", Severity::Recommended, status_when_dead,
      doc("After the daemon was killed and its pidfile left, `status` exits 1 (\"dead and pid "
          "file exists\").",
          "3 is accepted by many tools but hides the crash; 0 is a lie a monitor believes.",
          "The checker SIGKILLs the daemon, leaves its pidfile, and runs `status`.",
          "status) start-stop-daemon --status --pidfile \"$PIDFILE\" --exec \"$DAEMON\"; exit $? "
          ";;   # 1 when the pidfile names no daemon\n# or: status) exec daemonctl status "
          "--pidfile \"$PIDFILE\" ;;"));
  add("stale-pidfile-safe", "A stale pidfile naming another process is harmless",
      Severity::Required, stale_pidfile_safe,
      doc("With the stale pidfile naming an unrelated live process, `stop` exits 0 without "
          "signalling it, and `start` exits 0 and starts a daemon.",
          "After a crash the kernel gives the old pid to another process; `kill $(cat "
          "pidfile)` then kills it, and `kill -0` makes `start` refuse forever.",
          "The checker writes the pager decoy's pid into the crashed daemon's pidfile, then "
          "runs `stop` and `start`.",
          "# --exec: only a process running $DAEMON counts\n"
          "stop) start-stop-daemon --stop --oknodo --retry=TERM/30/KILL/5 --pidfile \"$PIDFILE\" "
          "--exec \"$DAEMON\" || exit 1\n  rm -f \"$PIDFILE\" ;;\n"
          "# or: stop) exec daemonctl stop --pidfile \"$PIDFILE\" ;;   # signals only the holder "
          "of the pidfile's lock"));
  add("bad-action-usage", "An unknown action exits 2 with its usage", Severity::Recommended,
      bad_action_usage,
      doc("An unknown action exits 2 (\"invalid or excess arguments\"), writes its usage on "
          "stderr and creates no file.",
          "A typo must not start, stop or touch anything, and the caller must see why.",
          "The checker runs `SCRIPT daemoncheck-no-such-action` and compares the files before "
          "and after.",
          "*) echo \"Usage: $0 {start|stop|status|restart}\" >&2; exit 2 ;;\n"
          "# the last case of the script, so that no start-stop-daemon or daemonctl line "
          "runs for a typo"));
  add("actions-return-promptly", "Every action returns, leaving nothing of its own",
      Severity::Recommended, actions_return_promptly,
      doc("No action ran past the action timeout, and none left a helper process behind (the "
          "daemon aside).",
          "An init script that blocks hangs the boot, `apt upgrade` or a Pacemaker operation; a "
          "helper left behind holds the caller's terminal or pipe open.",
          "Each action is bounded by --action-timeout; the processes of its own tree still "
          "alive when it returned are listed.",
          "# returns when the daemon's first process exits, the daemon ready: no `&`, no sleep\n"
          "start) start-stop-daemon --start --oknodo --pidfile \"$PIDFILE\" --exec \"$DAEMON\" -- "
          "--pidfile \"$PIDFILE\" ;;\n"
          "# (a daemon that stays in the foreground: add --background --make-pidfile)\n"
          "# or: start) exec daemonctl start --lsb --pidfile \"$PIDFILE\" -- \"$DAEMON\" ;;   "
          "# returns once the daemon runs"));
  add("run-stays-in-foreground", "run is the service, in the foreground", Severity::Required,
      run_stays_in_foreground,
      doc("`run` does not daemonize: the launched process is the service, stays in the "
          "foreground and exits on SIGTERM.",
          "`run` is what a supervisor (runit, a container, systemd's Type=simple) starts: it "
          "must not fork away.",
          "The checker runs `SCRIPT run`, waits for it to settle, sends it SIGTERM and waits "
          "for it to exit.",
          "run) exec \"$DAEMON\" --foreground ;;   # not start-stop-daemon --background: it "
          "detaches\n"
          "# or: run) exec daemonctl run --pidfile \"$PIDFILE\" -- \"$DAEMON\" ;;"));
  add("reload-keeps-pid", "reload keeps the daemon running", Severity::Required, reload_keeps_pid,
      doc("`reload` and `force-reload` exit 0 and the same daemon runs afterwards "
          "(`force-reload` may restart it: then exactly one daemon runs).",
          "A reload that restarts drops connections and state; one that fails leaves the old "
          "configuration in force without saying so.",
          "The checker compares the daemons before and after each reload action.",
          "reload) start-stop-daemon --stop --signal HUP --pidfile \"$PIDFILE\" --exec "
          "\"$DAEMON\" ;;   # no --retry: it waits for an exit\n"
          "# daemonctl reload signals only the daemon holding the pidfile's lock\n"
          "# or: reload) exec daemonctl reload --pidfile \"$PIDFILE\" ;;"));
  add("try-restart-when-stopped", "try-restart starts nothing when stopped", Severity::Required,
      try_restart_when_stopped,
      doc("`try-restart` with nothing running exits 0 and starts nothing.",
          "`try-restart` (condrestart) restarts only a running service: package upgrades use "
          "it to avoid starting what the admin stopped.",
          "The checker runs `try-restart` after the final stop.",
          "try-restart) if start-stop-daemon --status --pidfile \"$PIDFILE\" --exec "
          "\"$DAEMON\"; then \"$0\" restart; fi ;;\n"
          "# or: try-restart) daemonctl status --pidfile \"$PIDFILE\" >/dev/null || exit 0; "
          "exec \"$0\" restart ;;"));
}

}  // namespace dc
