// Steps 7 and 8 of the tutorial: close what the parent left open, and keep
// 0, 1 and 2 open on something that is not a terminal.
#include "rules/catalog.h"
#include "rules/facts.h"

namespace dc {
namespace {

const FdFact* find_fd(const DaemonFacts& d, int fd) {
  for (const auto& f : d.fds)
    if (f.fd == fd) return &f;
  return nullptr;
}

Verdict inherited_fds_closed(const Observation& o, const DaemonFacts& d) {
  if (o.attach) return skip("attached: nothing was planted");
  nlohmann::json planted = nlohmann::json::array();
  std::vector<std::string> leaked;
  for (const auto& p : o.launch.planted_fds) {
    planted.push_back({{"fd", p.fd}, {"kind", p.kind}, {"dev", p.dev}, {"ino", p.ino}});
    for (const auto& f : d.fds) {
      if (f.stat_ok && f.dev == p.dev && f.ino == p.ino)
        leaked.push_back("fd " + std::to_string(f.fd) + " (" + f.target + ", the " + p.kind +
                         " planted as fd " + std::to_string(p.fd) + ")");
    }
  }
  nlohmann::json ev{{"pid", d.pid}, {"planted", planted}, {"leaked", leaked}};
  if (d.fds.empty() && !d.errors.empty())
    return error("could not read /proc/" + std::to_string(d.pid) + "/fd", ev);
  if (!leaked.empty()) {
    return fail("still holds descriptors it inherited: " + join(leaked) +
                    ": close every descriptor above 2 you did not open yourself, e.g. "
                    "close_range(3, ~0U, 0) (step 7)",
                ev);
  }
  return pass(
      "none of the " + std::to_string(o.launch.planted_fds.size()) + " planted descriptors is open",
      ev);
}

Verdict stdio_open(const Observation& o, const DaemonFacts& d) {
  (void)o;
  std::vector<std::string> closed;
  nlohmann::json ev{{"pid", d.pid}};
  for (int fd = 0; fd <= 2; ++fd) {
    const FdFact* f = find_fd(d, fd);
    ev["fd" + std::to_string(fd)] = f ? nlohmann::json(f->target) : nlohmann::json(nullptr);
    if (!f) closed.push_back(std::to_string(fd));
  }
  if (d.fds.empty() && !d.errors.empty())
    return error("could not read /proc/" + std::to_string(d.pid) + "/fd", ev);
  if (!closed.empty()) {
    return fail("descriptor" + std::string(closed.size() > 1 ? "s " : " ") + join(closed) +
                    (closed.size() > 1 ? " are" : " is") +
                    " closed: the next open() lands there and printf or a library's error "
                    "message writes into that file; open /dev/null on 0, 1 and 2 (step 8)",
                ev);
  }
  return pass("0, 1 and 2 are open", ev);
}

Verdict stdio_detached(const Observation& o, const DaemonFacts& d) {
  std::vector<std::string> ttys;
  nlohmann::json ev{{"pid", d.pid}};
  for (int fd = 0; fd <= 2; ++fd) {
    const FdFact* f = find_fd(d, fd);
    if (!f) continue;
    ev["fd" + std::to_string(fd)] = f->target;
    if (is_terminal(*f) || refers_to(*f, o.launch.pty_path, o.launch.pty_rdev))
      ttys.push_back(std::to_string(fd) + " -> " + f->target);
  }
  if (d.fds.empty() && !d.errors.empty())
    return error("could not read /proc/" + std::to_string(d.pid) + "/fd", ev);
  if (!ttys.empty()) {
    return fail("standard descriptors on a terminal (" + join(ttys) +
                    "): writes fail or block once the terminal is gone; redirect 0-2 to "
                    "/dev/null or a log file (step 8)",
                ev);
  }
  return pass("0, 1 and 2 refer to no terminal", ev);
}

}  // namespace

void add_file_rules(std::vector<RuleDef>& out) {
  out.push_back(RuleDef{
      .id = "inherited-fds-closed",
      .title = "Inherited descriptors are closed",
      .severity = Severity::Required,
      .seed_step = "7",
      .profiles = kSysv | kControl,
      .per_daemon = inherited_fds_closed,
      .doc = {
          .checks = "None of the descriptors the launcher planted (a regular file and a pipe end, "
                    "matched by device and inode, not by number) is open in the daemon.",
          .why = "An inherited descriptor keeps a file, a pipe or a socket of the caller open for "
                 "the daemon's whole life: a pipe never reaches end-of-file (the caller's "
                 "`$(...)` hangs), a deleted file's space is never freed, a listening socket "
                 "stays bound.",
          .how = "Each /proc/PID/fd/N is stat()ed and compared with the planted descriptors' "
                 "device and inode.",
          .fix_c = "#define _GNU_SOURCE  /* for close_range(): before the first #include */\n"
                   "if (close_range(3, ~0U, 0) < 0)  /* Linux 5.9, glibc 2.34; else loop over "
                   "/proc/self/fd */\n"
                   "  err(1, \"close_range\");",
          .fix_python = "# closes every descriptor but 0-2 and those in files_preserve\n"
                        "with daemon.DaemonContext(detach_process=True, files_preserve=[]):\n"
                        "    main()",
          .fix_shell = "start-stop-daemon --start --background --exec $DAEMON   # closes every "
                       "descriptor above 2\n"
                       "# (without --background it closes nothing; busybox's -b only those below "
                       "its /dev/null)\n"
                       "# or: daemonctl start --pidfile $PIDFILE -- $DAEMON"}});
  out.push_back(RuleDef{
      .id = "stdio-open",
      .title = "Descriptors 0, 1 and 2 are open",
      .severity = Severity::Required,
      .seed_step = "8",
      .profiles = kBoth | kService | kControl,
      .per_daemon = stdio_open,
      .doc = {
          .checks = "Descriptors 0, 1 and 2 are all open in the daemon.",
          .why = "open() returns the lowest free number. With 1 closed, the next file the daemon "
                 "opens becomes its stdout, and the first printf or library warning writes into "
                 "it: a corrupted database or config file.",
          .how = "The entries 0, 1 and 2 of /proc/PID/fd.",
          .fix_c = "int null = open(\"/dev/null\", O_RDWR);  /* takes the lowest free number */\n"
                   "if (null < 0) err(1, \"/dev/null\");\n"
                   "dup2(null, 0); dup2(null, 1); dup2(null, 2);\n"
                   "if (null > 2) close(null);",
          .fix_python = "with daemon.DaemonContext(detach_process=True):  # 0-2 on /dev/null by "
                        "default\n"
                        "    main()",
          .fix_shell = "setsid --fork $DAEMON < /dev/null > /dev/null 2>&1   # never close them: "
                       "`exec >&-`"}});
  out.push_back(RuleDef{
      .id = "stdio-detached",
      .title = "Descriptors 0, 1 and 2 are not on a terminal",
      .severity = Severity::Required,
      .seed_step = "8",
      .profiles = kSysv | kControl,
      .per_daemon = stdio_detached,
      .doc = {
          .checks = "None of descriptors 0, 1, 2 refers to a terminal; each is /dev/null, a file, "
                    "a pipe or a socket.",
          .why = "While the terminal is open, what the daemon writes lands in the user's session "
                 "and what it reads is the user's typing (a process without a controlling "
                 "terminal gets no SIGTTIN to stop it). Once the terminal hangs up, reads return "
                 "end of file and writes fail with EIO: messages are lost, and a daemon that "
                 "treats the error as fatal stops.",
          .how = "Each of /proc/PID/fd/0-2 is stat()ed: a character device of a terminal major, "
                 "or the launch pty, fails.",
          .fix_c = "int null = open(\"/dev/null\", O_RDWR);\n"
                   "if (null < 0) err(1, \"/dev/null\");\n"
                   "dup2(null, 0); dup2(null, 1); dup2(null, 2);  /* or a log file on 1 and 2 */\n"
                   "if (null > 2) close(null);",
          .fix_python = "log = open(log_path, 'a+')  # stdin stays on /dev/null\n"
                        "with daemon.DaemonContext(detach_process=True, stdout=log, stderr=log):  "
                        "# never sys.stdout\n"
                        "    main()",
          .fix_shell = "start-stop-daemon --start --background --output $LOGFILE --exec $DAEMON\n"
                       "# or: daemonctl start --stdout $LOGFILE --stderr $LOGFILE --pidfile "
                       "$PIDFILE -- $DAEMON"}});
}

}  // namespace dc
