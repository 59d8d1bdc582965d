// See systemd_facts.h.
#include "check/systemd_facts.h"

#include <algorithm>

namespace dc {
namespace {

// When the ExecStart process started, in the service run's clock.
double exec_started_ms(const ServiceFacts& f) {
  for (const auto& e : f.execs)
    if (e.kind == "ExecStart") return e.started_ms;
  return 0;
}

// The start as the foreground run: the launched process is the ExecStart
// process; it "did not stay" when it ended before start-up did (Type=simple:
// it forked and exited; Type=notify: it exited before READY=1). Messages
// NotifyAccess=main refused are the ones from strangers.
void foreground_from_start(const ServiceFacts& f, ForegroundProbe& p) {
  if (!f.start.ran) return;
  p.ran = true;
  const double t0 = exec_started_ms(f);
  p.waited_ms = std::max(0.0, f.start.ended_ms - t0);
  if (f.start.exec_ended_ms >= 0) {
    ExitInfo e;
    e.pid = f.start.exec_pid;
    e.exit_status = f.start.exec_exit_status;
    e.signal = f.start.exec_signal;
    e.at_ms = std::max(0.0, f.start.exec_ended_ms - t0);
    p.exit = e;
  }
  p.alive_at_end = !p.exit;
  for (const auto& m : f.notify) {
    if (m.accepted)
      p.notify.push_back({m.at_ms, m.sender, m.text});
    else
      p.rejected.push_back("pid " + std::to_string(m.sender) + ": " + m.text.substr(0, 80) + " (" +
                           m.rejected_why + ")");
  }
  p.ready_ms = f.start.ready_ms;
}

// The unit's stop (KillMode=mixed: KillSignal= to the main process, SIGKILL
// to what is left) as the SIGTERM probe: the main process is "the daemon";
// killed at the bound when it needed SIGKILL itself; what else needed SIGKILL
// outlived it, left behind.
void sigterm_from_stop(const ServiceFacts& f, bool sighup_ended_it,
                       std::optional<bool> pidfile_left, SignalProbe& p) {
  const ServiceStop& s = f.stop;
  const pid_t main = f.start.main_pid;
  p.signal = s.signal;
  if (!s.error.empty()) {
    p.error = s.error;
    return;
  }
  if (!s.ran) {
    p.skipped = sighup_ended_it ? "the SIGHUP probe ended the service: nothing was left to stop"
                                : s.skipped;
    return;
  }
  // A main process that ended before the stop (Type=simple: it forked and
  // exited; or a probe ended it) got no SIGTERM.
  if (main <= 0 || (s.main_ended_ms >= 0 && s.main_ended_ms < s.signal_ms)) {
    p.skipped =
        "the main process had ended before the stop, so it got no SIGTERM (systemd kills what "
        "it left)";
    return;
  }
  p.ran = true;
  const bool main_killed = std::count(s.sigkilled.begin(), s.sigkilled.end(), main) > 0;
  if (main_killed) p.killed_at_bound.push_back(main);
  if ((s.main_exit_status || s.main_signal) && s.main_ended_ms >= 0) {
    ExitInfo e;
    e.pid = main;
    e.exit_status = s.main_exit_status;
    e.signal = s.main_signal;
    e.at_ms = s.main_ended_ms;
    p.died.push_back(e);
    p.last_exit_ms = std::max(0.0, s.main_ended_ms - s.signal_ms);
  }
  p.all_exited = !main_killed;
  for (size_t i = 0; i < s.sigkilled.size(); ++i) {
    if (s.sigkilled[i] == main) continue;
    if (main_killed) {
      p.killed_at_bound.push_back(s.sigkilled[i]);
      continue;
    }
    p.left_behind.push_back(s.sigkilled[i]);
    p.left_behind_comm.push_back(i < s.sigkilled_comm.size() ? s.sigkilled_comm[i] : "");
  }
  p.pidfile_known = pidfile_left.has_value();
  p.pidfile_removed = pidfile_left.has_value() && !*pidfile_left;
  p.ms = s.main_ended_ms >= 0 ? s.main_ended_ms - s.signal_ms : 0;
}

// The systemd profile's phases (profiles/systemd.cpp) timed from the service
// run: launch until the ExecStart process ran, startup until the start job
// ended, the SIGHUP probe, the stop as the SIGTERM probe.
void time_phases(const ServiceFacts& f, const SignalProbe& sighup, Observation& o) {
  const double exec_ms = exec_started_ms(f);
  o.phase_ms["launch"] = exec_ms;
  o.phase_ms["settle"] = std::max(0.0, f.start.ended_ms - exec_ms);
  if (sighup.ran) o.phase_ms["sighup"] = sighup.ms;
  if (f.stop.ran && f.stop.signal_ms >= 0 && f.stop.main_ended_ms >= f.stop.signal_ms)
    o.phase_ms["sigterm"] = f.stop.main_ended_ms - f.stop.signal_ms;
}

}  // namespace

void systemd_facts_from_service(Observation& o, std::optional<bool> pidfile_left) {
  if (!o.service) return;
  time_phases(*o.service, o.probes.sighup, o);
  foreground_from_start(*o.service, o.probes.foreground);
  const bool sighup_ended_it = o.probes.sighup.ran && !o.probes.sighup.died.empty();
  sigterm_from_stop(*o.service, sighup_ended_it, pidfile_left, o.probes.sigterm);
}

}  // namespace dc
