// Rules judged from the active probes: the terminal hang-up, a second
// instance, SIGHUP, SIGTERM, the startup-race trials, and the systemd
// profile's foreground run with NOTIFY_SOCKET.
#include <map>

#include "rules/catalog.h"
#include "rules/facts.h"

namespace dc {
namespace {

nlohmann::json exits_json(const std::vector<ExitInfo>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& e : v) a.push_back(exit_json(e));
  return a;
}

std::string list_exits(const std::vector<ExitInfo>& v) {
  std::string s;
  for (const auto& e : v)
    s += (s.empty() ? "" : "; ") + std::string("pid ") + std::to_string(e.pid) + " " +
         describe_exit(e);
  return s;
}

// " (measured on relaunch N)" when an earlier probe ended the first daemon
// and this one was measured on a fresh launch (rules.md, "Measure, don't skip").
std::string on_relaunch(int n) {
  return n > 0 ? " (measured on relaunch " + std::to_string(n) + ")" : "";
}

// At most five pids in a message (a fork bomb leaves hundreds); the evidence
// keeps them all.
std::string pids(const std::vector<pid_t>& v, const std::vector<std::string>& comms = {}) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < 5; ++i) {
    s += (i ? ", " : "") + std::to_string(v[i]);
    if (i < comms.size()) s += " (" + comms[i] + ")";
  }
  if (v.size() > 5) s += " and " + std::to_string(v.size() - 5) + " more";
  return s;
}

Verdict survives_hangup(const Observation& o) {
  const HangupProbe& p = o.probes.hangup;
  if (!p.ran) return skip(p.skipped.empty() ? kNoDaemon : p.skipped);
  nlohmann::json ev{{"reachable", p.reachable}, {"died", exits_json(p.died)}, {"ms", p.ms}};
  if (!p.died.empty()) {
    return fail("the daemon died when the terminal hung up (" + list_exits(p.died) +
                    "): it stayed in the shell's job or session; call setsid() after forking "
                    "(step 3)",
                ev);
  }
  if (!p.reachable.empty())
    return pass("the daemon was in the job's group or session and survived SIGHUP", ev);
  return pass("the daemon had left the job's group and session: the hang-up never reached it", ev);
}

Verdict single_instance(const Observation& o) {
  const SecondInstanceProbe& p = o.probes.second;
  if (!p.error.empty()) return error(p.error);
  if (!p.ran) return skip(p.skipped.empty() ? kNoDaemon : p.skipped);
  const std::string where = on_relaunch(p.relaunch);
  nlohmann::json ev{{"left_behind", p.left_behind},
                    {"first_alive", p.first_alive},
                    {"pidfile_unchanged", p.pidfile_unchanged},
                    {"relaunch", p.relaunch},
                    {"ms", p.ms}};
  if (p.launched_exit) ev["second_exit"] = exit_json(*p.launched_exit);
  if (!p.pidfile_change.empty()) ev["pidfile_change"] = p.pidfile_change;
  if (!p.left_behind.empty()) {
    return fail("a second launch left another daemon running (pid " +
                    pids(p.left_behind, p.left_behind_comm) + ")" + where +
                    ": lock the pidfile and refuse to start while another instance holds the "
                    "lock",
                ev);
  }
  if (!p.first_alive) {
    return fail("a second launch killed the first daemon" + where +
                    ": never signal or replace a running instance on start",
                ev);
  }
  if (!p.pidfile_unchanged) {
    return fail("a second launch changed the first daemon's pidfile (" + p.pidfile_change + ")" +
                    where + ": a failed instance must leave the file it does not own alone",
                ev);
  }
  return pass("a second launch left no daemon behind and the first one untouched" + where, ev);
}

Verdict second_instance_reports_failure(const Observation& o) {
  const SecondInstanceProbe& p = o.probes.second;
  if (!p.error.empty()) return error(p.error);
  if (!p.ran) return skip(p.skipped.empty() ? kNoDaemon : p.skipped);
  const std::string where = on_relaunch(p.relaunch);
  nlohmann::json ev{{"ms", p.ms}, {"relaunch", p.relaunch}};
  if (!p.launched_exit)
    return fail("the second launch did not exit within the start timeout" + where, ev);
  ev["second_exit"] = exit_json(*p.launched_exit);
  const ExitInfo& e = *p.launched_exit;
  if (!e.signal && e.exit_status.value_or(0) == 0) {
    return fail("the second launch exited 0 while the first daemon was running" + where +
                    ", so a script "
                    "believes it started: check the pidfile lock before forking and exit non-zero "
                    "with a message when it is held",
                ev);
  }
  return pass("the second launch " + describe_exit(e) + where + ", so a script can tell it failed",
              ev);
}

Verdict sighup_handled(const Observation& o) {
  const SignalProbe& p = o.probes.sighup;
  if (!p.error.empty()) return error(p.error);
  if (!p.ran) return skip(p.skipped.empty() ? kNoDaemon : p.skipped);
  const std::string where = on_relaunch(p.relaunch);
  nlohmann::json ev{{"died", exits_json(p.died)}, {"relaunch", p.relaunch}, {"ms", p.ms}};
  if (p.settled_ms >= 0) ev["settled_ms"] = p.settled_ms;
  if (!p.died.empty()) {
    return fail("the daemon did not survive SIGHUP (" + list_exits(p.died) + ")" + where +
                    ": install a handler that reloads the configuration instead",
                ev);
  }
  if (p.settled_ms < 0) {
    return pass("the daemon is alive after SIGHUP, still busy at the " + fixed_s(o.stop_timeout_s) +
                    " s stop timeout" + where,
                ev);
  }
  return pass(
      "the daemon is alive and at rest " + fixed_ms(p.settled_ms) + " ms after SIGHUP" + where, ev);
}

Verdict sigterm_exits(const Observation& o) {
  const SignalProbe& p = o.probes.sigterm;
  if (!p.error.empty()) return error(p.error);
  if (!p.ran) return skip(p.skipped.empty() ? kNoDaemon : p.skipped);
  const std::string where = on_relaunch(p.relaunch);
  nlohmann::json ev{{"died", exits_json(p.died)},
                    {"killed_at_bound", p.killed_at_bound},
                    {"stop_timeout_s", o.stop_timeout_s},
                    {"relaunch", p.relaunch},
                    {"last_exit_ms", p.last_exit_ms}};
  if (!p.killed_at_bound.empty()) {
    return fail("pid " + pids(p.killed_at_bound) + " was still running " +
                    fixed_s(o.stop_timeout_s) + " s after SIGTERM" + where +
                    " and had to be killed: handle SIGTERM by shutting down "
                    "promptly (and never ignore or block it)",
                ev);
  }
  return pass("exited " + fixed_ms(p.last_exit_ms) + " ms after SIGTERM" + where, ev);
}

Verdict sigterm_cleanup(const Observation& o) {
  const SignalProbe& p = o.probes.sigterm;
  if (!p.error.empty()) return error(p.error);
  if (!p.ran) return skip(p.skipped.empty() ? kNoDaemon : p.skipped);
  if (!p.killed_at_bound.empty()) return skip("the daemon did not exit on SIGTERM");
  const std::string where = on_relaunch(p.relaunch);
  nlohmann::json ev{{"pidfile_known", p.pidfile_known},
                    {"pidfile_removed", p.pidfile_removed},
                    {"relaunch", p.relaunch},
                    {"left_behind", p.left_behind}};
  if (!p.left_behind.empty()) {
    return fail("after the daemon exited, processes it started were still running (pid " +
                    pids(p.left_behind, p.left_behind_comm) + ")" + where +
                    ": on SIGTERM, signal and reap your children before exiting",
                ev);
  }
  if (p.pidfile_known && !p.pidfile_removed) {
    return fail("the pidfile was left behind after SIGTERM" + where +
                    ": remove it (while still holding its "
                    "lock) on orderly exit",
                ev);
  }
  return pass(std::string(p.pidfile_known ? "pidfile removed and no child left behind"
                                          : "no child left behind") +
                  where,
              ev);
}

Verdict race_free_startup(const Observation& o) {
  const RaceProbe& p = o.probes.race;
  if (!p.ran) return skip(p.skipped.empty() ? "--race-trials 0" : p.skipped);
  int survived = 0;
  // Which signal killed a descendant, in how many failed trials, and which pids.
  std::map<std::string, std::pair<int, std::vector<pid_t>>> causes;
  nlohmann::json trials = nlohmann::json::array();
  for (const auto& t : p.trials) {
    survived += t.daemon_survived ? 1 : 0;
    nlohmann::json j{
        {"daemon_survived", t.daemon_survived}, {"deaths", exits_json(t.deaths)}, {"ms", t.ms}};
    if (t.launched_exit) j["launched_exit"] = exit_json(*t.launched_exit);
    trials.push_back(j);
    if (t.daemon_survived) continue;
    std::map<std::string, bool> seen;
    for (const auto& d : t.deaths) {
      if (!d.signal) continue;
      auto& c = causes[observe::signal_name(*d.signal)];
      if (!seen[observe::signal_name(*d.signal)]) c.first++;
      seen[observe::signal_name(*d.signal)] = true;
      c.second.push_back(d.pid);
    }
  }
  int n = static_cast<int>(p.trials.size());
  nlohmann::json ev{{"trials", trials}, {"survived", survived}, {"how", p.how}};
  // A trial that could not start the target says nothing about setsid().
  int unstarted = 0;
  std::string why_unstarted;
  for (const auto& t : p.trials) {
    if (t.exec_error.empty()) continue;
    ++unstarted;
    why_unstarted = t.exec_error;
  }
  if (unstarted > 0) {
    return error(std::to_string(unstarted) + " of " + std::to_string(n) +
                     " trials could not start the target (" + why_unstarted +
                     "), so the race was not measured",
                 ev);
  }
  if (n == 0) return error("no trial could be run (no temporary directory)", ev);
  if (survived == n) {
    return pass("a daemon survived startup in all " + std::to_string(n) +
                    " trials where the target led the terminal's session" +
                    (p.how.find("pinned") != std::string::npos
                         ? ", each pinned to one CPU so that the parent runs on after fork()"
                         : ""),
                ev);
  }
  std::string why;
  for (const auto& [sig, c] : causes) {
    std::string list;
    for (size_t i = 0; i < c.second.size() && i < 5; ++i)
      list += (i ? ", " : "") + std::to_string(c.second[i]);
    if (c.second.size() > 5) list += ", ...";
    why.append(why.empty() ? "" : "; ").append(sig).append(" killed pid ").append(list);
    why.append(" in ").append(std::to_string(c.first)).append(c.first == 1 ? " trial" : " trials");
  }
  return fail("no daemon survived startup in " + std::to_string(n - survived) + " of " +
                  std::to_string(n) + " trials where the target led the terminal's session" +
                  (why.empty() ? "" : " (" + why + ")") +
                  ": call setsid() before the original process exits, or have it wait for the "
                  "daemon's readiness",
              ev);
}

Verdict stays_in_foreground(const Observation& o) {
  const ForegroundProbe& p = o.probes.foreground;
  if (o.attach) return skip("attached to a running service: its start was not observed");
  if (!p.ran) return skip("the foreground run did not happen");
  nlohmann::json ev{{"waited_ms", p.waited_ms}};
  if (p.exit) {
    ev["exit"] = exit_json(*p.exit);
    return fail("the launched process " + describe_exit(*p.exit) + " after " +
                    fixed_ms(p.exit->at_ms) +
                    " ms: under systemd (Type=simple or notify) the service must not fork and "
                    "exit; remove the daemonizing code or use Type=forking",
                ev);
  }
  return pass("the launched process stayed in the foreground", ev);
}

Severity required_with_notify(const Observation& o) {
  return o.notify_required ? Severity::Required : Severity::Info;
}

Verdict sd_notify_ready(const Observation& o) {
  const ForegroundProbe& p = o.probes.foreground;
  if (o.attach) return skip("attached to a running service: its start was not observed");
  if (!p.ran) return skip("the foreground run did not happen");
  nlohmann::json msgs = nlohmann::json::array();
  for (const auto& m : p.notify)
    msgs.push_back({{"at_ms", m.at_ms}, {"pid", m.sender}, {"text", m.text}});
  nlohmann::json ev{{"messages", msgs}, {"rejected", p.rejected}};
  if (p.ready_ms) return pass("READY=1 arrived after " + fixed_ms(*p.ready_ms) + " ms", ev);
  return fail(
      "no READY=1 arrived on NOTIFY_SOCKET within the start timeout: call "
      "sd_notify(0, \"READY=1\") once the service can serve",
      ev);
}

}  // namespace

void add_probe_rules(std::vector<RuleDef>& out) {
  out.push_back(RuleDef{
      "survives-hangup",
      "The daemon survives the terminal hanging up",
      Severity::Required,
      "3",
      kSysv,
      nullptr,
      survives_hangup,
      nullptr,
      {"The daemon is alive after the terminal hangs up: the checker closes the pty master and "
       "the session holder, like a shell, sends SIGHUP to the job's process group and exits.",
       "This is what happens when the ssh connection drops or the terminal window closes. A "
       "daemon still in the job's group or session dies with it.",
       "Probe: the pty master is closed; each daemon's pidfd is watched for a short bound when "
       "it was reachable.",
       "if (fork() > 0) _exit(0);\nsetsid();  /* leave the job's group and session */",
       "daemon.DaemonContext()  # detaches with setsid()",
       "setsid -f $DAEMON < /dev/null > /dev/null 2>&1   # nohup only ignores SIGHUP"}});
  out.push_back(RuleDef{
      "single-instance",
      "A second launch starts no second daemon",
      Severity::Required,
      "There can be only one",
      kSysv,
      nullptr,
      single_instance,
      nullptr,
      {"A second launch of the same command, made while the first daemon runs, leaves no second "
       "daemon behind, and the first daemon and its pidfile are untouched.",
       "Two instances fight over the same port, files and pidfile; a failed instance that "
       "deletes or rewrites the pidfile makes the running daemon unstoppable.",
       "Probe: the same command under a fresh holder and pty in the same temp directory; its "
       "process tree is followed until it is gone; the pidfile's content and inode are compared.",
       "struct flock l = {.l_type = F_WRLCK};\nif (fcntl(fd, F_OFD_SETLK, &l) < 0) { "
       "fprintf(stderr, \"already running\\n\"); exit(1); }  /* never unlink it here */",
       "daemon.DaemonContext(pidfile=...)  # with a lock that is really held, see pidfile-locked",
       "start-stop-daemon --start --pidfile $PIDFILE ...   # or: daemonctl start (locks)"}});
  out.push_back(RuleDef{
      "second-instance-reports-failure",
      "A refused second launch exits non-zero",
      Severity::Recommended,
      "There can be only one",
      kSysv,
      nullptr,
      second_instance_reports_failure,
      nullptr,
      {"The second launch exits with a non-zero status.",
       "Scripts and init systems read the exit status. A daemon that refuses only after "
       "daemonizing makes `start` look successful when nothing started.",
       "Probe: the exit status of the second launch.",
       "/* check the lock before the first fork, in the original process */",
       "# take the pidfile lock before entering DaemonContext, and sys.exit(1) when it is held",
       "daemonctl start ...   # exits 0 with \"already running\" for LSB; daemonctl run refuses "
       "with 1"}});
  out.push_back(RuleDef{
      "sighup-handled",
      "SIGHUP does not kill the daemon",
      Severity::Info,
      "signals",
      kBoth,
      nullptr,
      sighup_handled,
      nullptr,
      {"After SIGHUP the daemon is still alive.",
       "By convention SIGHUP tells a daemon to reload its configuration; with the default "
       "disposition it kills it instead, and `systemctl reload` or logrotate take the service "
       "down.",
       "Probe: SIGHUP through the daemon's pidfd, then a short bound on its pidfd.",
       "signal(SIGHUP, on_hup);  /* set a flag; re-read the config in the main loop */",
       "daemon.DaemonContext(signal_map={signal.SIGHUP: reload_config})",
       "trap 'reload' HUP   # daemonctl forwards SIGHUP to the command"}});
  out.push_back(RuleDef{
      "sigterm-exits",
      "SIGTERM stops the daemon in time",
      Severity::Required,
      "signals",
      kBoth,
      nullptr,
      sigterm_exits,
      nullptr,
      {"After SIGTERM the daemon exits within the stop timeout (--stop-timeout, default 5 s).",
       "SIGTERM is how init systems, `kill` and shutdown ask a daemon to stop; one that ignores "
       "it is killed with SIGKILL later, with no chance to flush data or remove its pidfile.",
       "Probe: SIGTERM through the pidfd; the pidfds are polled up to the stop timeout.",
       "static volatile sig_atomic_t stop;\nstatic void on_term(int s) { (void)s; stop = 1; }\n"
       "signal(SIGTERM, on_term);",
       "daemon.DaemonContext()  # maps SIGTERM to a clean exit by default",
       "trap 'cleanup; exit 0' TERM"}});
  out.push_back(RuleDef{
      "sigterm-cleanup",
      "SIGTERM leaves nothing behind",
      Severity::Recommended,
      "signals",
      kBoth,
      nullptr,
      sigterm_cleanup,
      nullptr,
      {"After the SIGTERM exit the pidfile is gone and no process the daemon started is still "
       "alive.",
       "A stale pidfile confuses the next start and `status`; orphaned children keep ports and "
       "files busy and run unsupervised.",
       "Probe: the daemon's descendants are listed before SIGTERM and checked after it exits; "
       "the pidfile is looked up.",
       "kill(child, SIGTERM); waitpid(child, NULL, 0); unlink(pidfile);",
       "with daemon.DaemonContext(pidfile=...):  # the pidfile is released on exit\n    main()",
       "trap 'kill $child; wait; rm -f $PIDFILE; exit 0' TERM"}});
  out.push_back(RuleDef{
      "race-free-startup",
      "Startup survives a launch as session leader",
      Severity::Recommended,
      "2, 3 and daemon(7) 15",
      kSysv,
      nullptr,
      race_free_startup,
      nullptr,
      {"In each of N launches (--race-trials, default 5) in which the target itself leads a "
       "fresh pty's session, a daemon survives startup.",
       "Under `ssh -t host cmd`, `script -c` or a CI step with a pty, the command leads the "
       "terminal's session. When it exits the kernel sends SIGHUP to the terminal's foreground "
       "group: a child that has not yet called setsid() dies with it. glibc daemon() and every "
       "'fork, exit, then setsid in the child' daemonizer loses this race.",
       "Probe: N extra launches, each in its own temp directory, in which the target calls "
       "setsid() and takes the pty; the checker records which descendants died of which signal.",
       "/* child: */ setsid(); write(ready[1], \"\", 1);\n/* parent: */ read(ready[0], &c, 1); "
       "_exit(0);  /* exit only after the child has its own session */",
       "# python-daemon's parent exits at once; start it under daemonctl start, or setsid(1) -w",
       "daemonctl start --pidfile $PIDFILE -- $DAEMON   # waits for readiness"}});
  out.push_back(RuleDef{
      "stays-in-foreground",
      "The service stays in the foreground",
      Severity::Required,
      "systemd",
      kSystemd,
      nullptr,
      stays_in_foreground,
      nullptr,
      {"The launched process itself is still running after startup (it did not fork and exit).",
       "systemd (Type=simple or notify) supervises the process it started; if that process forks "
       "and exits, systemd considers the service finished and kills the rest.",
       "The launched process is watched through its pidfd until READY=1 arrives, the descendants "
       "settle, or the start timeout.",
       "/* no fork(), no setsid(): systemd does all of it */",
       "daemon.DaemonContext(detach_process=False)  # or simply do not use DaemonContext",
       "ExecStart=/usr/bin/mydaemon --foreground"}});
  out.push_back(RuleDef{
      "sd-notify-ready",
      "The service reports readiness on NOTIFY_SOCKET",
      Severity::Required,
      "systemd",
      kSystemd,
      nullptr,
      sd_notify_ready,
      required_with_notify,
      {"The process sent READY=1 on NOTIFY_SOCKET within the start timeout.",
       "With Type=notify, systemd starts the units that depend on the service only when it "
       "reports READY=1; without it the start times out.",
       "The checker listens on a datagram socket, passes its name in NOTIFY_SOCKET, and accepts "
       "messages only from the target or its descendants (SO_PASSCRED).",
       "sd_notify(0, \"READY=1\");  /* libsystemd, or a sendto() on NOTIFY_SOCKET */",
       "import socket, os\ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
       "s.sendto(b'READY=1', os.environ['NOTIFY_SOCKET'].replace('@', '\\0', 1))",
       "systemd-notify --ready   # or: daemonctl run --notify -- $DAEMON"}});
}

}  // namespace dc
