// Rules judged from the active probes: the terminal hang-up, a second
// instance, SIGHUP, SIGTERM, the startup-race trials, and the systemd
// profile's foreground run with NOTIFY_SOCKET.
#include <map>

#include "rules/catalog.h"
#include "rules/facts.h"

namespace dc {
namespace {

// The C fix survives-hangup and race-free-startup both teach: the original
// process exits only once the child has left the session.
constexpr const char* kReadinessPipeFix =
    "int ready[2];\n"
    "if (pipe(ready) < 0) err(1, \"pipe\");\n"
    "pid_t pid = fork();\n"
    "if (pid < 0) err(1, \"fork\");\n"
    "if (pid > 0) {  /* exit only once the child has left the session */\n"
    "  char c;\n"
    "  close(ready[1]);\n"
    "  _exit(read(ready[0], &c, 1) == 1 ? 0 : 1);\n"
    "}\n"
    "close(ready[0]);\n"
    "if (setsid() < 0) err(1, \"setsid\");  /* out of the job's group and the session */\n"
    "if (write(ready[1], \"\", 1) != 1) _exit(1);  /* now the original process may exit */\n"
    "close(ready[1]);";

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
  if (!p.error.empty()) return error(p.error);
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
  // systemd sends a notify-reload service its ReloadSignal= and waits for
  // RELOADING=1: that protocol is reload-protocol's to judge.
  if (o.service && o.service->unit.type == "notify-reload")
    return skip("Type=notify-reload: reload-protocol judges the reload signal");
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
  if (!p.discarded.empty()) ev["discarded"] = p.discarded;
  if (!p.killed_at_bound.empty() && p.killed_at_bound.size() == p.discarded.size()) {
    return fail("pid " + pids(p.killed_at_bound) + " ignores SIGTERM (SIG_IGN, not blocked)" +
                    where +
                    ": the kernel discarded the signal as it was sent, so it could never exit "
                    "on it, and it had to be killed: handle SIGTERM by shutting down promptly "
                    "(and never ignore or block it)",
                ev);
  }
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
  if (!p.error.empty()) return error(p.error);
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
      auto& c = causes[signal_name(*d.signal)];
      if (!seen[signal_name(*d.signal)]) c.first++;
      seen[signal_name(*d.signal)] = true;
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
      .id = "survives-hangup",
      .title = "The daemon survives the terminal hanging up",
      .severity = Severity::Required,
      .seed_step = "3",
      .profiles = kSysv | kControl,
      .per_run = survives_hangup,
      .doc = {
          .checks = "The daemon is alive after the terminal hangs up: the checker closes the pty "
                    "master and the session holder, like a shell, sends SIGHUP to the job's "
                    "process group and exits.",
          .why = "This is what happens when the ssh connection drops or the terminal window "
                 "closes. A daemon still in the job's group or session dies with it.",
          .how = "Probe: the pty master is closed; each daemon's pidfd is watched for a short "
                 "bound when it was reachable.",
          .fix_c = kReadinessPipeFix,
          .fix_python = "with daemon.DaemonContext(detach_process=True):  # os.setsid() in a "
                        "child\n"
                        "    main()",
          .fix_shell = "setsid --fork $DAEMON < /dev/null > /dev/null 2>&1   # nohup only ignores "
                       "SIGHUP\n"
                       "# or: daemonctl start --pidfile $PIDFILE -- $DAEMON"}});
  out.push_back(RuleDef{
      .id = "single-instance",
      .title = "A second launch starts no second daemon",
      .severity = Severity::Required,
      .seed_step = "There can be only one",
      .profiles = kSysv,
      .per_run = single_instance,
      .doc = {
          .checks = "A second launch of the same command, made while the first daemon runs, "
                    "leaves no second daemon behind, and the first daemon and its pidfile are "
                    "untouched.",
          .why = "Two instances fight over the same port, files and pidfile; a failed instance "
                 "that deletes or rewrites the pidfile makes the running daemon unstoppable.",
          .how = "Probe: the same command under a fresh holder and pty in the same temp "
                 "directory; its process tree is followed until it is gone; the pidfile's content "
                 "and inode are compared.",
          .fix_c = "#define _GNU_SOURCE  /* for F_OFD_SETLK: before the first #include */\n"
                   "int fd = open(pidfile, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);\n"
                   "if (fd < 0) err(1, \"%s\", pidfile);\n"
                   "struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};\n"
                   "if (fcntl(fd, F_OFD_SETLK, &l) < 0)\n"
                   "  errx(1, \"already running\");  /* never unlink or truncate the pidfile here "
                   "*/\n"
                   "if (ftruncate(fd, 0) < 0 || dprintf(fd, \"%ld\\n"
                   "\", (long)getpid()) < 0)\n"
                   "  err(1, \"%s\", pidfile);",
          .fix_python = "with daemon.DaemonContext(detach_process=True):\n"
                        "    fd = os.open(pidfile_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, "
                        "0o644)\n"
                        "    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises: the second "
                        "one ends here\n"
                        "    os.ftruncate(fd, 0)\n"
                        "    os.write(fd, b'%d\\n"
                        "' % os.getpid())\n"
                        "    main()",
          .fix_shell = "start-stop-daemon --start --background --make-pidfile --pidfile $PIDFILE "
                       "--exec $DAEMON\n"
                       "# or: daemonctl start --pidfile $PIDFILE -- $DAEMON"}});
  out.push_back(RuleDef{
      .id = "second-instance-reports-failure",
      .title = "A refused second launch exits non-zero",
      .severity = Severity::Recommended,
      .seed_step = "There can be only one",
      .profiles = kSysv,
      .per_run = second_instance_reports_failure,
      .doc = {
          .checks = "The second launch exits with a non-zero status.",
          .why = "Scripts and init systems read the exit status. A daemon that refuses only after "
                 "daemonizing makes `start` look successful when nothing started.",
          .how = "Probe: the exit status of the second launch.",
          .fix_c = "/* the original process waits on ready[0] (see ready-before-exit); the "
                   "daemon, after\n"
                   "   the forks, locks the pidfile and tells it when that fails. A lock taken "
                   "before\n"
                   "   fork() must be flock() or F_OFD_SETLK: a POSIX F_SETLK lock is not "
                   "inherited. */\n"
                   "int fd = open(pidfile, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);\n"
                   "struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};\n"
                   "if (fd < 0 || fcntl(fd, F_SETLK, &l) < 0) {\n"
                   "  dprintf(ready[1], \"already running\");  /* the original prints it, exits 1 "
                   "*/\n"
                   "  _exit(1);\n"
                   "}\n"
                   "if (ftruncate(fd, 0) < 0 || dprintf(fd, \"%ld\\n"
                   "\", (long)getpid()) < 0) _exit(1);",
          .fix_python = "# flock, not lockf: a POSIX lock is not inherited by DaemonContext's "
                        "forks\n"
                        "fd = os.open(pidfile_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, "
                        "0o644)\n"
                        "try:\n"
                        "    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
                        "except BlockingIOError:\n"
                        "    sys.exit('already running')  # status 1, before detaching\n"
                        "with daemon.DaemonContext(detach_process=True, files_preserve=[fd]):\n"
                        "    os.ftruncate(fd, 0)\n"
                        "    os.write(fd, b'%d\\n"
                        "' % os.getpid())\n"
                        "    main()",
          .fix_shell = "daemonctl start --pidfile $PIDFILE -- $DAEMON   # running already: says "
                       "so, exits 1\n"
                       "# (0 with --lsb, as LSB init scripts expect)"}});
  out.push_back(RuleDef{
      .id = "sighup-handled",
      .title = "SIGHUP does not kill the daemon",
      .severity = Severity::Info,
      .seed_step = "signals",
      .profiles = kBoth | kService,
      .per_run = sighup_handled,
      .doc = {
          .checks = "After SIGHUP the daemon is still alive.",
          .why = "By convention SIGHUP tells a daemon to reload its configuration; with the "
                 "default disposition it kills it instead, and `systemctl reload` or logrotate "
                 "take the service down.",
          .how = "Probe: SIGHUP through the daemon's pidfd, then a short bound on its pidfd.",
          .fix_c = "#include <poll.h>\n"
                   "#include <sys/signalfd.h>\n"
                   "sigset_t sigs;  /* SIGHUP and SIGTERM become readable on sfd, never a handler "
                   "*/\n"
                   "sigemptyset(&sigs); sigaddset(&sigs, SIGHUP); sigaddset(&sigs, SIGTERM);\n"
                   "if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0) err(1, \"sigprocmask\");\n"
                   "int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);\n"
                   "if (sfd < 0) err(1, \"signalfd\");\n"
                   "for (;;) {\n"
                   "  struct pollfd p[] = {{.fd = sfd, .events = POLLIN} /* , your sockets */};\n"
                   "  if (poll(p, 1, -1) < 0 && errno != EINTR) err(1, \"poll\");\n"
                   "  struct signalfd_siginfo si;\n"
                   "  if (!(p[0].revents & POLLIN) || read(sfd, &si, sizeof si) != sizeof si) "
                   "continue;\n"
                   "  if (si.ssi_signo == SIGHUP) { /* re-read the configuration */ }\n"
                   "  if (si.ssi_signo == SIGTERM) { unlink(pidfile); exit(0); }\n"
                   "}",
          .fix_python = "def reload(signum, frame):\n"
                        "    pass  # re-read the configuration here\n"
                        "ctx = daemon.DaemonContext(detach_process=True)\n"
                        "# add to the default map: signal_map={...} would replace it, and SIGTERM "
                        "would\n"
                        "# then kill the daemon outright and SIGTSTP, SIGTTIN, SIGTTOU no longer "
                        "be ignored\n"
                        "ctx.signal_map[signal.SIGHUP] = reload\n"
                        "with ctx:\n"
                        "    main()",
          .fix_shell = "reload() { :; }   # re-read the configuration here\n"
                       "trap reload HUP\n"
                       "trap 'kill $!; exit 0' TERM\n"
                       "while :; do sleep 3600 & wait $!; kill $! 2>/dev/null; done\n"
                       "# or: daemonctl start --pidfile $PIDFILE -- $DAEMON   # passes SIGHUP on "
                       "to $DAEMON"}});
  out.push_back(RuleDef{
      .id = "sigterm-exits",
      .title = "SIGTERM stops the daemon in time",
      .severity = Severity::Required,
      .seed_step = "signals",
      .profiles = kBoth,
      .per_run = sigterm_exits,
      .doc = {
          .checks = "After SIGTERM the daemon exits within the stop timeout (--stop-timeout, "
                    "default 5 s).",
          .why = "SIGTERM is how init systems, `kill` and shutdown ask a daemon to stop; one that "
                 "ignores it is killed with SIGKILL later, with no chance to flush data or remove "
                 "its pidfile.",
          .how = "Probe: SIGTERM through the pidfd; the pidfds are polled up to the stop timeout.",
          .fix_c = "/* not signal(SIGTERM, on_term) setting a flag: glibc's signal() sets "
                   "SA_RESTART, so a\n"
                   "   daemon blocked in read() never looks at the flag. Use signalfd (or a "
                   "self-pipe,\n"
                   "   or sigaction() without SA_RESTART) */\n"
                   "#include <poll.h>\n"
                   "#include <sys/signalfd.h>\n"
                   "sigset_t sigs;\n"
                   "sigemptyset(&sigs); sigaddset(&sigs, SIGTERM);\n"
                   "if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0) err(1, \"sigprocmask\");\n"
                   "int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);\n"
                   "if (sfd < 0) err(1, \"signalfd\");\n"
                   "for (;;) {\n"
                   "  struct pollfd p[] = {{.fd = sfd, .events = POLLIN} /* , your sockets */};\n"
                   "  if (poll(p, 1, -1) < 0 && errno != EINTR) err(1, \"poll\");\n"
                   "  if (p[0].revents & POLLIN) break;  /* SIGTERM */\n"
                   "}\n"
                   "unlink(pidfile);\n"
                   "exit(0);",
          .fix_python = "with daemon.DaemonContext(detach_process=True):  # SIGTERM raises "
                        "SystemExit\n"
                        "    main()",
          .fix_shell = "trap 'kill $!; exit 0' TERM\n"
                       "# not `sleep 3600` in the foreground: dash runs a trap only after it "
                       "ends\n"
                       "while :; do sleep 3600 & wait $!; done"}});
  out.push_back(RuleDef{
      .id = "sigterm-cleanup",
      .title = "SIGTERM leaves nothing behind",
      .severity = Severity::Recommended,
      .seed_step = "signals",
      .profiles = kBoth,
      .per_run = sigterm_cleanup,
      .doc = {
          .checks = "After the SIGTERM exit the pidfile is gone and no process the daemon started "
                    "is still alive.",
          .why = "A stale pidfile confuses the next start and `status`; orphaned children keep "
                 "ports and files busy and run unsupervised.",
          .how = "Probe: the daemon's descendants are listed before SIGTERM and checked after it "
                 "exits; the pidfile is looked up.",
          .fix_c = "/* on SIGTERM, before exit(): */\n"
                   "if (child > 0) {  /* never kill(0, ...) or kill(-1, ...): a whole group, or "
                   "everyone */\n"
                   "  kill(child, SIGTERM);\n"
                   "  waitpid(child, NULL, 0);\n"
                   "}\n"
                   "unlink(pidfile);  /* while the lock is still held */",
          .fix_python = "with daemon.DaemonContext(detach_process=True):\n"
                        "    try:\n"
                        "        main()\n"
                        "    finally:  # SIGTERM raises SystemExit in the daemon: clean up on the "
                        "way out\n"
                        "        for child in children:\n"
                        "            child.terminate()\n"
                        "            child.wait()\n"
                        "        os.unlink(pidfile_path)",
          .fix_shell = "trap 'kill $child; wait $child; rm -f $PIDFILE; exit 0' TERM\n"
                       "$DAEMON & child=$!\n"
                       "wait $child   # returns as soon as TERM arrives, and the trap runs"}});
  out.push_back(RuleDef{
      .id = "race-free-startup",
      .title = "Startup survives a launch as session leader",
      .severity = Severity::Recommended,
      .seed_step = "2, 3 and daemon(7) 15",
      .profiles = kSysv,
      .per_run = race_free_startup,
      .doc = {
          .checks = "In each of N launches (--race-trials, default 5) in which the target itself "
                    "leads a fresh pty's session, a daemon survives startup.",
          .why = "Under `ssh -t host cmd`, `script -c` or a CI step with a pty, the command leads "
                 "the terminal's session. When it exits the kernel sends SIGHUP to the terminal's "
                 "foreground group: a child that has not yet called setsid() dies with it. glibc "
                 "daemon() and every 'fork, exit, then setsid in the child' daemonizer loses this "
                 "race.",
          .how = "Probe: N extra launches, each in its own temp directory, in which the target "
                 "calls setsid() and takes the pty; the checker records which descendants died of "
                 "which signal.",
          .fix_c = kReadinessPipeFix,
          .fix_python = "r, w = os.pipe()\n"
                        "if os.fork() > 0:  # the original process: exit only once the daemon has "
                        "its session\n"
                        "    os.close(w)\n"
                        "    os._exit(0 if os.read(r, 1) == b'\\0' else 1)\n"
                        "os.close(r)\n"
                        "with daemon.DaemonContext(detach_process=True, files_preserve=[w]):\n"
                        "    os.write(w, b'\\0')  # setsid() is done: the original process may "
                        "exit\n"
                        "    os.close(w)\n"
                        "    main()",
          .fix_shell = "daemonctl start --pidfile $PIDFILE -- $DAEMON   # waits until the daemon "
                       "is ready"}});
  out.push_back(RuleDef{
      .id = "stays-in-foreground",
      .title = "The service stays in the foreground",
      .severity = Severity::Required,
      .seed_step = "systemd",
      .profiles = kSystemd,
      .per_run = stays_in_foreground,
      .doc = {
          .checks = "The launched process itself is still running after startup (it did not fork "
                    "and exit).",
          .why = "systemd (Type=simple or notify) supervises the process it started; if that "
                 "process forks and exits, systemd considers the service finished and kills the "
                 "rest.",
          .how = "The launched process is watched through its pidfd until READY=1 arrives, the "
                 "descendants settle, or the start timeout.",
          .fix_c = "/* no fork(), no setsid(), no pidfile: systemd does all of it */",
          .fix_python = "# no DaemonContext: even with detach_process=False it closes every "
                        "descriptor\n"
                        "# (a socket passed in LISTEN_FDS too) and sends stdout and stderr to "
                        "/dev/null\n"
                        "main()",
          .fix_shell = "exec $DAEMON   # no &, no setsid, no start-stop-daemon: systemd watches "
                       "this process\n"
                       "# in the unit: Type=simple (or notify) and ExecStart=/usr/bin/mydaemon "
                       "--foreground"}});
  out.push_back(RuleDef{
      .id = "sd-notify-ready",
      .title = "The service reports readiness on NOTIFY_SOCKET",
      .severity = Severity::Required,
      .seed_step = "systemd",
      .profiles = kSystemd,
      .per_run = sd_notify_ready,
      .severity_for = required_with_notify,
      .doc = {
          .checks = "The process sent READY=1 on NOTIFY_SOCKET within the start timeout.",
          .why = "With Type=notify, systemd starts the units that depend on the service only when "
                 "it reports READY=1; without it the start times out. By default "
                 "(NotifyAccess=main) systemd accepts the message only from the service's main "
                 "process, the one it started: send it from there, or set NotifyAccess=all in the "
                 "unit.",
          .how = "The checker listens on a datagram socket, passes its name in NOTIFY_SOCKET, and "
                 "reads each sender's pid (SO_PASSCRED); it takes READY=1 from the target or any "
                 "of its descendants, which is what NotifyAccess=all accepts.",
          .fix_c = "/* what sd_notify(0, \"READY=1\") of libsystemd does, once the service can "
                   "serve */\n"
                   "const char *path = getenv(\"NOTIFY_SOCKET\");\n"
                   "struct sockaddr_un a = {.sun_family = AF_UNIX};\n"
                   "if (path != NULL && strlen(path) < sizeof a.sun_path) {\n"
                   "  strcpy(a.sun_path, path);\n"
                   "  if (a.sun_path[0] == '@') a.sun_path[0] = '\\0';  /* an abstract socket */\n"
                   "  int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);\n"
                   "  socklen_t len = offsetof(struct sockaddr_un, sun_path) + strlen(path);\n"
                   "  if (s < 0 || sendto(s, \"READY=1\", 7, 0, (struct sockaddr *)&a, len) < 0) "
                   "err(1, \"notify\");\n"
                   "  close(s);\n"
                   "}",
          .fix_python = "addr = os.environ['NOTIFY_SOCKET']  # once the service can serve\n"
                        "if addr.startswith('@'):\n"
                        "    addr = '\\0' + addr[1:]  # an abstract socket\n"
                        "with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:\n"
                        "    s.sendto(b'READY=1', addr)\n"
                        "main()",
          .fix_shell = "systemd-notify --ready   # from its own pid: the unit needs "
                       "NotifyAccess=all\n"
                       "exec $DAEMON"}});
}

}  // namespace dc
