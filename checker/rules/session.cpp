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
      "new-session",
      "The daemon runs in a session of its own",
      Severity::Required,
      "3b",
      kSysv,
      new_session,
      nullptr,
      nullptr,
      {"The daemon's session id differs from the session it was launched in.",
       "The launch session belongs to a terminal and a shell. While the daemon stays in it, the "
       "shell's job control, the terminal's hang-up and the end of the login session all reach "
       "it.",
       "The checker compares the sid field of /proc/PID/stat with the session the holder "
       "created.",
       "if (fork() > 0) _exit(0);\nif (setsid() < 0) err(1, \"setsid\");",
       "with daemon.DaemonContext():  # detach_process calls os.setsid()\n    main()",
       "setsid --fork $DAEMON   # or: start-stop-daemon --start --background, or daemonctl "
       "start"}});
  out.push_back(RuleDef{
      "no-controlling-tty",
      "The daemon has no controlling terminal",
      Severity::Required,
      "3a",
      kSysv,
      no_controlling_tty,
      nullptr,
      nullptr,
      {"The daemon has no controlling terminal (tty_nr is 0) and none of its descriptors refers "
       "to the terminal it was launched from.",
       "A process with a controlling terminal gets SIGHUP when the terminal hangs up (the ssh "
       "session ends) and SIGTTIN/SIGTTOU when it touches it from the background; a descriptor "
       "on the terminal keeps the pty alive and writes go to whoever uses it next.",
       "tty_nr from /proc/PID/stat, and each /proc/PID/fd/N compared with the launch pty by "
       "device number.",
       "setsid();\nint null = open(\"/dev/null\", O_RDWR);\ndup2(null, 0); dup2(null, 1); "
       "dup2(null, 2);",
       "daemon.DaemonContext(stdin=None, stdout=None, stderr=None)  # the defaults: /dev/null",
       "start-stop-daemon --start --background ... < /dev/null > /dev/null 2>&1"}});
  out.push_back(RuleDef{
      "double-fork",
      "The daemon is not a session leader",
      Severity::Recommended,
      "4",
      kSysv,
      double_fork,
      nullptr,
      nullptr,
      {"The daemon's pid differs from its session id.",
       "On System V systems a session leader without a controlling terminal acquires one by "
       "opening a terminal device without O_NOCTTY. Forking once more after setsid() and "
       "letting the leader exit makes that impossible for good.",
       "pid and sid from /proc/PID/stat.",
       "setsid();\nif (fork() > 0) _exit(0);  /* the grandchild is the daemon */",
       "daemon.DaemonContext()  # python-daemon forks twice",
       "daemonctl start --pidfile $PIDFILE -- $DAEMON   # setsid -f alone forks only once"}});
}

}  // namespace dc
