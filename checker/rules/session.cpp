// Step 3 and 4 of the tutorial: leave the launch session and its terminal,
// and stop being a session leader so no terminal can be acquired again.
#include "rules/catalog.h"
#include "rules/facts.h"

namespace dc {
namespace {

Verdict new_session(const Observation& o, const DaemonFacts& d) {
  if (o.attach) return skip("attached to a running daemon: its launch session is unknown");
  nlohmann::json ev{{"pid", d.pid}, {"sid", d.sid}, {"launch_sid", o.launch.launch_sid}};
  if (d.sid == o.launch.launch_sid) {
    return fail("pid " + std::to_string(d.pid) + " is still in the launch session " +
                    std::to_string(d.sid) +
                    ": call setsid() in the child after the first fork (step 3b)",
                ev);
  }
  return pass("pid " + std::to_string(d.pid) + " runs in its own session " + std::to_string(d.sid),
              ev);
}

Verdict no_controlling_tty(const Observation& o, const DaemonFacts& d) {
  nlohmann::json ev{{"pid", d.pid}, {"tty_nr", d.tty_nr}, {"launch_tty", o.launch.pty_path}};
  std::vector<std::string> on_tty;
  for (const auto& f : d.fds)
    if (refers_to(f, o.launch.pty_path, o.launch.pty_rdev))
      on_tty.push_back(std::to_string(f.fd) + " -> " + f.target);
  ev["fds_on_launch_tty"] = on_tty;
  if (d.tty_nr != 0) {
    return fail("pid " + std::to_string(d.pid) + " still has a controlling terminal (tty_nr " +
                    std::to_string(d.tty_nr) +
                    "): call setsid() after forking so the terminal's hang-up and job-control "
                    "signals cannot reach it (step 3a)",
                ev);
  }
  if (!on_tty.empty()) {
    return fail("pid " + std::to_string(d.pid) + " keeps the launch terminal open (fd " +
                    join(on_tty) +
                    "): close it, or reopen 0-2 on /dev/null, after setsid() (step 3a)",
                ev);
  }
  return pass("no controlling terminal, and no descriptor on the launch terminal", ev);
}

Verdict double_fork(const Observation& o, const DaemonFacts& d) {
  nlohmann::json ev{{"pid", d.pid}, {"sid", d.sid}};
  // pid != sid alone passes a `nohup cmd &` child, which never left the
  // terminal's session: only a session of the daemon's own making counts.
  if (!o.attach) {
    ev["launch_sid"] = o.launch.launch_sid;
    if (d.sid == o.launch.launch_sid) {
      return fail("pid " + std::to_string(d.pid) + " never left the launch session " +
                      std::to_string(d.sid) +
                      ", so it still has the terminal (see new-session): call setsid() after "
                      "the first fork, then fork again and let the session leader exit (steps "
                      "3b and 4)",
                  ev);
    }
  }
  if (d.pid == d.sid) {
    return fail("pid " + std::to_string(d.pid) +
                    " is a session leader (pid == sid), so opening a terminal can make it its "
                    "controlling terminal again: fork once more after setsid() and let the "
                    "session leader exit (step 4)",
                ev);
  }
  return pass("pid " + std::to_string(d.pid) + " runs in a session of its own making (sid " +
                  std::to_string(d.sid) + ") and is not its leader",
              ev);
}

}  // namespace

void add_session_rules(std::vector<RuleDef>& out) {
  out.push_back(RuleDef{
      .id = "new-session",
      .title = "The daemon runs in a session of its own",
      .severity = Severity::Required,
      .seed_step = "3b",
      .profiles = kSysv | kControl,
      .per_daemon = new_session,
      .doc = {
          .checks = "The daemon's session id differs from the session it was launched in.",
          .why = "The launch session belongs to a terminal and a shell. While the daemon stays in "
                 "it, the shell's job control, the terminal's hang-up and the end of the login "
                 "session all reach it.",
          .how = "The checker compares the sid field of /proc/PID/stat with the session the "
                 "holder created.",
          .fix_c = "pid_t pid = fork();\n"
                   "if (pid < 0) err(1, \"fork\");\n"
                   "if (pid > 0) _exit(0);  /* the child is no process-group leader: setsid() can "
                   "succeed */\n"
                   "if (setsid() < 0) err(1, \"setsid\");",
          .fix_python = "# say detach_process=True: left out, DaemonContext neither forks nor "
                        "calls setsid()\n"
                        "# when its parent is pid 1 or its stdin is a socket\n"
                        "with daemon.DaemonContext(detach_process=True):  # fork, os.setsid(), "
                        "fork\n"
                        "    main()",
          .fix_shell = "setsid --fork $DAEMON\n"
                       "# or: start-stop-daemon --start --background --exec $DAEMON\n"
                       "# or: daemonctl start --pidfile $PIDFILE -- $DAEMON"}});
  out.push_back(RuleDef{
      .id = "no-controlling-tty",
      .title = "The daemon has no controlling terminal",
      .severity = Severity::Required,
      .seed_step = "3a",
      .profiles = kSysv | kControl,
      .per_daemon = no_controlling_tty,
      .doc = {
          .checks = "The daemon has no controlling terminal (tty_nr is 0) and none of its "
                    "descriptors refers to the terminal it was launched from.",
          .why = "While the terminal is the daemon's controlling terminal, the daemon belongs to "
                 "the terminal's session: when the terminal hangs up (the ssh connection drops) "
                 "the kernel sends SIGHUP to the session leader and to the foreground process "
                 "group, the shell passes it on to its jobs, and a background job that reads the "
                 "terminal is stopped by SIGTTIN (one that writes, by SIGTTOU once `stty tostop` "
                 "is set). A descriptor on the terminal draws no signal by itself, but what the "
                 "daemon reads is the user's typing, what it writes lands in the user's session, "
                 "and after the hang-up reads return end of file and writes fail with EIO.",
          .how = "tty_nr from /proc/PID/stat, and each /proc/PID/fd/N compared with the launch "
                 "pty by device number.",
          .fix_c = "pid_t pid = fork();\n"
                   "if (pid < 0) err(1, \"fork\");\n"
                   "if (pid > 0) _exit(0);\n"
                   "if (setsid() < 0) err(1, \"setsid\");  /* EPERM in a process-group leader: "
                   "fork first */\n"
                   "int null = open(\"/dev/null\", O_RDWR);\n"
                   "if (null < 0) err(1, \"/dev/null\");\n"
                   "dup2(null, 0); dup2(null, 1); dup2(null, 2);\n"
                   "if (null > 2) close(null);",
          .fix_python = "# setsid(), and stdin, stdout, stderr on /dev/null (the defaults)\n"
                        "with daemon.DaemonContext(detach_process=True):\n"
                        "    main()",
          .fix_shell = "start-stop-daemon --start --background --exec $DAEMON   # setsid(), 0-2 "
                       "on /dev/null\n"
                       "# or: setsid --fork $DAEMON < /dev/null > /dev/null 2>&1"}});
  out.push_back(RuleDef{
      .id = "double-fork",
      .title = "The daemon is not a session leader",
      .severity = Severity::Recommended,
      .seed_step = "4",
      .profiles = kSysv | kControl,
      .per_daemon = double_fork,
      .doc = {
          .checks = "The daemon runs in a session of its own making (new-session passes) and is "
                    "not that session's leader: its pid differs from its session id. A daemon "
                    "still in the launch session fails too.",
          .why = "A session leader without a controlling terminal acquires one when it opens a "
                 "terminal device without O_NOCTTY (a console, a serial port, a pty): System V "
                 "did it and Linux does it too. Forking once more after setsid() and letting the "
                 "leader exit leaves a daemon that is no session leader, so no open() can give it "
                 "a terminal again.",
          .how = "pid and sid from /proc/PID/stat.",
          .fix_c = "pid_t pid = fork();\n"
                   "if (pid < 0) err(1, \"fork\");\n"
                   "if (pid > 0) _exit(0);\n"
                   "if (setsid() < 0) err(1, \"setsid\");\n"
                   "if ((pid = fork()) < 0) err(1, \"fork\");\n"
                   "if (pid > 0) _exit(0);  /* the session leader exits; the grandchild is the "
                   "daemon */",
          .fix_python = "# say detach_process=True: left out, DaemonContext neither forks nor "
                        "calls setsid()\n"
                        "# when its parent is pid 1 or its stdin is a socket\n"
                        "with daemon.DaemonContext(detach_process=True):  # fork, os.setsid(), "
                        "fork\n"
                        "    main()",
          .fix_shell = "daemonctl start --pidfile $PIDFILE -- $DAEMON   # setsid --fork alone "
                       "forks only once\n"
                       "# or: start-stop-daemon --start --background --exec $DAEMON"}});
}

}  // namespace dc
