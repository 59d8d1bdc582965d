// Step 2 of the tutorial: the launched process forks, the parent exits, and
// (daemon(7) 15) it exits only once the daemon is ready.
#include "common/text.h"
#include "rules/catalog.h"
#include "rules/facts.h"

namespace dc {
namespace {

Verdict parent_exits(const Observation& o) {
  if (o.attach) return skip("attached to a running daemon: its start was not observed");
  const LaunchFacts& l = o.launch;
  nlohmann::json ev{{"launched_pid", l.launched_pid}};
  // The shell it ran under died first (the target signalled its parent).
  // Whether the launched process's own exit was still seen depends on timing
  // (it is re-parented to the checker when the holder dies), so a holder
  // killed before an exit 0 fails the rule either way. (A launched process
  // killed too, as by the teardown of a cut check, is judged below.)
  const bool holder_died_first =
      l.holder_exit &&
      (l.launched_exit ? l.launched_exit->exit_status == 0 && l.holder_exit->signal &&
                             l.holder_exit->at_ms <= l.launched_exit->at_ms
                       : l.holder_exit->at_ms < o.start_timeout_s * 1000);
  if (holder_died_first) {
    ev["holder_exit"] = exit_json(*l.holder_exit);
    if (l.launched_exit) ev["exit"] = exit_json(*l.launched_exit);
    return fail(
        "the session holder (pid " + std::to_string(l.holder_pid) +
            ", the shell the target was started from) " + describe_exit(*l.holder_exit) +
            " after " + fixed_ms(l.holder_exit->at_ms) + " ms, " +
            (l.launched_exit
                 ? "before the launched process (pid " + std::to_string(l.launched_pid) + ") exited"
                 : "and the launched process (pid " + std::to_string(l.launched_pid) +
                       ") was not seen to exit") +
            ": a daemon must not signal or kill the process that started it",
        ev);
  }
  if (!l.launched_exit && l.exit_wait_cut_by_timeout_s) {
    // The check's --timeout ended the wait before the start timeout did:
    // the process may still have exited in time, so nothing was measured.
    ev["still_running_after_s"] = *l.exit_wait_cut_by_timeout_s;
    return error("the launched process (pid " + std::to_string(l.launched_pid) +
                     ") was still running after " + fixed_s(*l.exit_wait_cut_by_timeout_s) +
                     " s, when the check's --timeout ran out before the " +
                     fixed_s(o.start_timeout_s) + " s start timeout, so its exit was not measured",
                 ev);
  }
  if (!l.launched_exit) {
    ev["still_running_after_s"] = o.start_timeout_s;
    return fail("the launched process (pid " + std::to_string(l.launched_pid) +
                    ") was still running after the " + fixed_s(o.start_timeout_s) +
                    " s start timeout: fork, and exit in the parent once the child is set up",
                ev);
  }
  const ExitInfo& e = *l.launched_exit;
  ev["exit"] = exit_json(e);
  if (e.signal || e.exit_status.value_or(1) != 0) {
    // What the target said last tells a learner more than the status alone.
    const std::string said = last_line(l.terminal_output);
    if (!said.empty()) ev["last_line"] = said;
    std::string holder;
    if (l.holder_exit && l.holder_exit->at_ms <= e.at_ms) {
      ev["holder_exit"] = exit_json(*l.holder_exit);
      holder = " (the session holder it was started from, pid " + std::to_string(l.holder_pid) +
               ", " + describe_exit(*l.holder_exit) + " after " + fixed_ms(l.holder_exit->at_ms) +
               " ms: did the target signal its parent?)";
    }
    return fail("the launched process " + describe_exit(e) +
                    (said.empty() ? "" : ": `" + escape_bytes(said, '`', true) + "`") + " (after " +
                    fixed_ms(e.at_ms) + " ms)" + holder +
                    "; a start that succeeded must exit 0 (a script or init system reads it)",
                ev);
  }
  if (o.daemons.empty()) {
    nlohmann::json reaped = nlohmann::json::array();
    std::string what;
    for (const auto& r : l.reaped) {
      if (r.pid == l.holder_pid) continue;
      reaped.push_back(exit_json(r));
      if (what.size() < 200)
        what += (what.empty() ? "" : "; ") + std::string("pid ") + std::to_string(r.pid) + " " +
                describe_exit(r) + " at " + fixed_ms(r.at_ms) + " ms";
    }
    ev["reaped"] = reaped;
    return fail("the launched process exited 0 but no daemon survived it" +
                    (what.empty() ? std::string(" (it left no child at all)") : ": " + what),
                ev);
  }
  ev["daemons"] = nlohmann::json::array();
  for (const auto& d : o.daemons) ev["daemons"].push_back(d.pid);
  ev["settle_timed_out"] = l.settle_timed_out;
  std::string unsettled;
  if (l.settle_timed_out) {
    unsettled = o.pidfile && o.pidfile->found_by == "option"
                    ? "; start-up never settled: within the start timeout " + o.pidfile->path +
                          " never named a running process it started, so the rules below read "
                          "whatever was running at the timeout"
                    : "; start-up never settled: its processes were still starting or changing "
                      "at the start timeout, so the rules below read a moving target";
  }
  return pass("the launched process exited 0 after " + fixed_ms(e.at_ms) + " ms and left pid " +
                  std::to_string(o.daemons.front().pid) + " running" + unsettled,
              ev);
}

Verdict ready_before_exit(const Observation& o, const DaemonFacts& d) {
  if (o.attach) return skip("attached to a running daemon: its start was not observed");
  if (!o.pidfile) return skip("no pidfile is known (give --pidfile PATH)");
  if (!o.launch.launched_exit) return skip("the launched process did not exit");
  if (!o.launch.pidfile_at_exit)
    return skip("the pidfile was discovered after startup; give --pidfile to check readiness");
  const PidfileState& s = *o.launch.pidfile_at_exit;
  nlohmann::json ev{{"exists", s.exists},
                    {"content", s.content},
                    {"locks", s.locks},
                    {"exited_at_ms", o.launch.launched_exit->at_ms}};
  const std::string fix =
      ": have the original process wait (on a pipe) until the daemon has written and locked "
      "its pidfile, then exit";
  if (!s.exists)
    return fail("when the launched process exited, " + o.pidfile->path + " did not exist yet" + fix,
                ev);
  if (!s.parse_error.empty() && (s.is_symlink || !s.regular))
    return fail("when the launched process exited, " + s.parse_error + fix, ev);
  if (!s.pid || *s.pid != d.pid) {
    return fail("when the launched process exited, the pidfile held \"" +
                    escape_bytes(s.content.substr(0, 20), '"') + "\", not the daemon's pid " +
                    std::to_string(d.pid) + fix,
                ev);
  }
  if (s.locks.empty()) {
    if (o.pidfile->state.locks.empty()) {
      return fail(
          "the pidfile is never locked (see pidfile-locked), so it cannot mark the daemon "
          "ready: lock it in the daemon, then let the original process exit",
          ev);
    }
    return fail("when the launched process exited, the pidfile was not locked yet" + fix, ev);
  }
  return pass("the pidfile held pid " + std::to_string(d.pid) +
                  " and was locked before the launched process exited",
              ev);
}

}  // namespace

void add_lifecycle_rules(std::vector<RuleDef>& out) {
  out.push_back(RuleDef{
      .id = "parent-exits",
      .title = "The launched process exits 0 and leaves a daemon",
      .severity = Severity::Required,
      .seed_step = "2",
      .profiles = kSysv,
      .per_run = parent_exits,
      .doc = {
          .checks = "The process the shell started exits with status 0 within the start timeout, "
                    "and at least one process it started keeps running.",
          .why = "A shell, an init script or a CI step waits for the command to return; its exit "
                 "status is the only way it learns whether the daemon started. A command that "
                 "never returns blocks its caller; one that returns non-zero says the start "
                 "failed.",
          .how = "The session holder reports the launched process's wait status; the checker, a "
                 "child subreaper, finds the descendants re-parented to it once the launched "
                 "process is gone.",
          .fix_c = "pid_t pid = fork();\n"
                   "if (pid < 0) err(1, \"fork\");\n"
                   "if (pid > 0) _exit(0);  /* better: exit once the daemon is ready, see "
                   "ready-before-exit */",
          .fix_python = "with daemon.DaemonContext(detach_process=True):\n"
                        "    main()",
          .fix_shell = "start-stop-daemon --start --background --make-pidfile --pidfile $PIDFILE "
                       "--exec $DAEMON\n"
                       "# or: daemonctl start --pidfile $PIDFILE -- $DAEMON"}});
  out.push_back(RuleDef{
      .id = "ready-before-exit",
      .title = "The daemon is ready before the launched process exits",
      .severity = Severity::Recommended,
      .seed_step = "daemon(7) 15",
      .profiles = kSysv | kControl,
      .per_daemon = ready_before_exit,
      .doc = {
          .checks = "At the moment the launched process exited, the pidfile existed, held the "
                    "daemon's pid and was locked.",
          .why = "Whoever started the daemon reads the pidfile as soon as the start command "
                 "returns (systemd's Type=forking does exactly that). A parent that exits first "
                 "opens a window in which the pidfile is missing, empty or wrong, and `status` or "
                 "`stop` act on nothing.",
          .how = "When the session holder reports the launched process's exit, the checker reads "
                 "the pidfile and its locks at once, then compares with the daemon it finds "
                 "afterwards.",
          .fix_c = "int ready[2];\n"
                   "if (pipe(ready) < 0) err(1, \"pipe\");\n"
                   "pid_t pid = fork();\n"
                   "if (pid < 0) err(1, \"fork\");\n"
                   "if (pid > 0) {  /* the original process: wait for the daemon's word */\n"
                   "  char msg[256];\n"
                   "  close(ready[1]);\n"
                   "  ssize_t n = read(ready[0], msg, sizeof msg);\n"
                   "  if (n == 1 && msg[0] == '\\0') _exit(0);  /* ready */\n"
                   "  if (n > 0) fprintf(stderr, \"%.*s\\n"
                   "\", (int)n, msg);  /* the daemon's error */\n"
                   "  _exit(1);  /* an error, or end of file: the daemon died */\n"
                   "}\n"
                   "close(ready[0]);\n"
                   "if (setsid() < 0) err(1, \"setsid\");\n"
                   "if ((pid = fork()) < 0) err(1, \"fork\");\n"
                   "if (pid > 0) _exit(0);\n"
                   "/* ... the daemon's setup: pidfile written and locked, stdio on /dev/null ... "
                   "*/\n"
                   "if (write(ready[1], \"\", 1) != 1) _exit(1);  /* ready: the original process "
                   "exits 0 */\n"
                   "close(ready[1]);",
          .fix_python = "r, w = os.pipe()\n"
                        "if os.fork() > 0:  # the original process: exit 0 once the daemon is "
                        "ready\n"
                        "    os.close(w)\n"
                        "    os._exit(0 if os.read(r, 1) == b'\\0' else 1)\n"
                        "os.close(r)\n"
                        "with daemon.DaemonContext(detach_process=True, files_preserve=[w]):\n"
                        "    fd = os.open(pidfile_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, "
                        "0o644)\n"
                        "    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises when "
                        "already running\n"
                        "    os.ftruncate(fd, 0)\n"
                        "    os.write(fd, b'%d\\n"
                        "' % os.getpid())\n"
                        "    os.write(w, b'\\0')  # ready: the original process exits 0\n"
                        "    os.close(w)\n"
                        "    main()",
          .fix_shell = "daemonctl start --pidfile $PIDFILE -- $DAEMON   # returns once the "
                       "pidfile is written and locked"}});
}

}  // namespace dc
