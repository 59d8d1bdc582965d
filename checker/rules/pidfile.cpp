// "There can be only one": the pidfile names the daemon, and the daemon holds
// a lock on it, so a second instance and `stop` can trust it.
#include <algorithm>

#include "parse/proc_parse.h"
#include "rules/catalog.h"
#include "rules/facts.h"

namespace dc {
namespace {

nlohmann::json pidfile_json(const PidfileFacts& p) {
  return {{"path", p.path},
          {"found_by", p.found_by},
          {"exists", p.state.exists},
          {"content", p.state.content.substr(0, 64)},
          {"locks", p.state.locks}};
}

Verdict pidfile_matches(const Observation& o, const DaemonFacts& d) {
  if (!o.pidfile) return skip("no pidfile is known (give --pidfile PATH)");
  const PidfileFacts& p = *o.pidfile;
  nlohmann::json ev = pidfile_json(p);
  ev["pid"] = d.pid;
  if (!p.state.exists) return fail(p.path + " does not exist while the daemon runs", ev);
  if (p.state.is_symlink || !p.state.regular) return fail(p.state.parse_error, ev);
  if (!p.state.pid) {
    return fail(p.path + " does not hold a pid: " + p.state.parse_error +
                    "; write the pid in decimal and a newline, nothing else",
                ev);
  }
  if (*p.state.pid != d.pid) {
    return fail(p.path + " holds " + std::to_string(*p.state.pid) + ", but the daemon is pid " +
                    std::to_string(d.pid) +
                    ": write the pidfile in the final daemon process, after the last fork",
                ev);
  }
  return pass(p.path + " holds the daemon's pid " + std::to_string(d.pid), ev);
}

// A lock is the daemon's when the daemon (or one of its descendants) took it,
// or when it is a flock/OFD lock (owned by an open file description, so the
// pid shown may be a launcher that has exited) and the daemon has the inode open.
Verdict pidfile_locked(const Observation& o, const DaemonFacts& d) {
  if (!o.pidfile) return skip("no pidfile is known (give --pidfile PATH)");
  const PidfileFacts& p = *o.pidfile;
  nlohmann::json ev = pidfile_json(p);
  ev["pid"] = d.pid;
  if (!p.state.exists) return fail(p.path + " does not exist, so nothing can lock it", ev);
  bool open_in_daemon = std::any_of(d.fds.begin(), d.fds.end(), [&](const FdFact& f) {
    return f.stat_ok && f.dev == p.state.dev && f.ino == p.state.ino;
  });
  ev["open_in_daemon"] = open_in_daemon;
  std::string others;
  for (const auto& raw : p.state.locks) {
    auto table = observe::parse_locks(raw + "\n");
    if (table.locks.empty()) continue;
    const observe::LockLine& l = table.locks.front();
    bool ours = l.pid == d.pid || std::find(d.descendants.begin(), d.descendants.end(),
                                            static_cast<pid_t>(l.pid)) != d.descendants.end();
    bool by_description = l.kind == "FLOCK" || l.kind == "OFDLCK";
    if (ours || (by_description && open_in_daemon))
      return pass(l.kind + " " + l.access + " lock on " + p.path + " held by the daemon", ev);
    others += (others.empty() ? "" : ", ") + l.kind + " by pid " + std::to_string(l.pid);
  }
  if (!others.empty()) {
    return fail(p.path + " is locked, but not by the daemon (" + others +
                    "): take the lock in the daemon itself and keep the descriptor open",
                ev);
  }
  return fail(p.path +
                  " is not locked: a second instance or `stop` cannot tell a live daemon "
                  "from a stale file; lock it (fcntl F_OFD_SETLK or flock) before writing "
                  "the pid and keep it open",
              ev);
}

}  // namespace

void add_pidfile_rules(std::vector<RuleDef>& out) {
  out.push_back(RuleDef{
      .id = "pidfile-matches",
      .title = "The pidfile holds the daemon's pid",
      .severity = Severity::Required,
      .seed_step = "There can be only one",
      .profiles = kSysv | kControl,
      .per_daemon = pidfile_matches,
      .doc = {
          .checks = "The pidfile exists and holds exactly the daemon's pid in decimal (a trailing "
                    "newline is fine).",
          .why = "`stop`, `status`, logrotate and monitoring signal the pid they read there. A "
                 "pid written by the parent before the last fork names a process that is gone, "
                 "or, once pids wrap, somebody else.",
          .how = "The file is read without following symbolic links and its content parsed "
                 "strictly.",
          .fix_c = "/* in the daemon, after the last fork; lock fd before writing "
                   "(pidfile-locked) */\n"
                   "int fd = open(pidfile, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);\n"
                   "if (fd < 0) err(1, \"%s\", pidfile);\n"
                   "/* truncate first: \"27001\\n"
                   "\" over a stale \"1234567\" leaves \"27001\\n"
                   "7\" */\n"
                   "if (ftruncate(fd, 0) < 0 || dprintf(fd, \"%ld\\n"
                   "\", (long)getpid()) < 0)\n"
                   "  err(1, \"%s\", pidfile);",
          .fix_python = "# daemon.pidfile.TimeoutPIDLockFile (import daemon.pidfile) writes it "
                        "too, but\n"
                        "# holds no lock (see pidfile-locked); write it in the daemon, after the "
                        "forks:\n"
                        "with daemon.DaemonContext(detach_process=True):\n"
                        "    fd = os.open(pidfile_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, "
                        "0o644)\n"
                        "    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises when "
                        "already running\n"
                        "    os.ftruncate(fd, 0)\n"
                        "    os.write(fd, b'%d\\n"
                        "' % os.getpid())\n"
                        "    main()",
          .fix_shell = "start-stop-daemon --start --background --make-pidfile --pidfile $PIDFILE "
                       "--exec $DAEMON\n"
                       "# or: daemonctl start --pidfile $PIDFILE -- $DAEMON"}});
  out.push_back(RuleDef{
      .id = "pidfile-locked",
      .title = "The daemon holds a lock on its pidfile",
      .severity = Severity::Required,
      .seed_step = "There can be only one",
      .profiles = kSysv | kControl,
      .per_daemon = pidfile_locked,
      .doc = {
          .checks = "The daemon (or one of its descendants) holds a POSIX, flock or OFD lock on "
                    "the pidfile's inode. A flock or OFD lock taken by a launcher that has exited "
                    "counts when the daemon has the inode open.",
          .why = "A pid in a file proves nothing: the process may be dead and the pid reused. A "
                 "lock dies with its holder, so a locked pidfile means a live daemon and an "
                 "unlocked one is stale. It is also what makes a second instance refuse to start.",
          .how = "The lock lines of /proc/PID/fdinfo/FD for every descriptor on the pidfile's "
                 "inode (device and inode) in the daemon and the other started processes; the "
                 "daemon's descriptors from /proc/PID/fd.",
          .fix_c = "#define _GNU_SOURCE  /* for F_OFD_SETLK: before the first #include */\n"
                   "int fd = open(pidfile, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);\n"
                   "if (fd < 0) err(1, \"%s\", pidfile);\n"
                   "struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};  /* the whole "
                   "file */\n"
                   "if (fcntl(fd, F_OFD_SETLK, &l) < 0) errx(1, \"already running\");\n"
                   "if (ftruncate(fd, 0) < 0 || dprintf(fd, \"%ld\\n"
                   "\", (long)getpid()) < 0)\n"
                   "  err(1, \"%s\", pidfile);  /* keep fd open: the lock lives as long as it */",
          .fix_python = "# daemon.pidfile.TimeoutPIDLockFile only creates the file (O_EXCL): it "
                        "locks nothing.\n"
                        "# Lock a descriptor the daemon keeps. Taken before DaemonContext, the "
                        "lock must be\n"
                        "# flock (a POSIX lockf lock stays with the process that exits) and the "
                        "descriptor\n"
                        "# in files_preserve (DaemonContext closes the rest)\n"
                        "fd = os.open(pidfile_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, "
                        "0o644)\n"
                        "try:\n"
                        "    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
                        "except BlockingIOError:\n"
                        "    sys.exit('already running')  # status 1, on the terminal\n"
                        "with daemon.DaemonContext(detach_process=True, files_preserve=[fd]):\n"
                        "    os.ftruncate(fd, 0)\n"
                        "    os.write(fd, b'%d\\n"
                        "' % os.getpid())\n"
                        "    main()",
          .fix_shell = "daemonctl start --pidfile $PIDFILE -- $DAEMON   # the daemon holds the "
                       "lock for its life\n"
                       "# `flock -n $PIDFILE.lock $DAEMON` is no fix: it locks another file, and "
                       "a daemon that\n"
                       "# closes the descriptors it inherited holds no lock once flock(1) has "
                       "exited"}});
}

}  // namespace dc
