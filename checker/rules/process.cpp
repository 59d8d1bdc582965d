// The daemon's own process attributes: working directory (step 5), umask
// (step 6), environment (step 1), core limit, credentials and root directory.
#include <algorithm>

#include "rules/catalog.h"
#include "rules/facts.h"

namespace dc {
namespace {

std::string strip_deleted(const std::string& p) {
  const std::string suffix = " (deleted)";
  return p.ends_with(suffix) ? p.substr(0, p.size() - suffix.size()) : p;
}

// The working directory as the daemon sees it when it runs chrooted: /proc
// shows it from the checker's root, so a daemon at the top of its new root
// reads as that root. nullopt when the daemon is not chrooted or its cwd is
// outside its root.
std::optional<std::string> cwd_inside_root(const DaemonFacts& d) {
  const std::string root = strip_deleted(d.root), cwd = strip_deleted(d.cwd);
  if (root.empty() || root == "/") return std::nullopt;
  if (cwd == root) return "/";
  if (cwd.starts_with(root + "/")) return cwd.substr(root.size());
  return std::nullopt;
}

Verdict cwd_root(const Observation& o, const DaemonFacts& d) {
  if (d.cwd.empty()) return error("could not read /proc/" + std::to_string(d.pid) + "/cwd");
  const std::string want = o.expect.cwd.value_or("/");
  nlohmann::json ev{{"pid", d.pid}, {"cwd", d.cwd}, {"expected", want}};
  if (strip_deleted(d.cwd) == want) return pass("working directory is " + want, ev);
  // With --expect-root the daemon is meant to run chrooted: its cwd is judged
  // inside its root.
  if (auto inside = o.expect.root ? cwd_inside_root(d) : std::nullopt) {
    ev["root"] = d.root;
    ev["cwd_inside_root"] = *inside;
    if (*inside == want)
      return pass("working directory is " + want + " inside its root " + d.root, ev);
    return fail("working directory is " + *inside + " inside its root " + d.root +
                    ": call chdir(\"" + want + "\") after chroot() (step 5)",
                ev);
  }
  std::string why = d.cwd == o.launch.tmp_dir || strip_deleted(d.cwd) == o.launch.tmp_dir
                        ? " (the directory it was launched from)"
                        : "";
  return fail("working directory is " + d.cwd + why + ": call chdir(\"" + want +
                  "\") so the daemon holds no mount busy (step 5)",
              ev);
}

Verdict umask_reset(const Observation& o, const DaemonFacts& d) {
  if (!d.umask) return error("/proc/" + std::to_string(d.pid) + "/status has no Umask line");
  nlohmann::json ev{{"pid", d.pid}, {"umask", octal(*d.umask)}};
  if (o.expect.umask) {
    ev["expected"] = octal(*o.expect.umask);
    if (*d.umask == *o.expect.umask)
      return pass("umask is " + octal(*d.umask) + " as expected", ev);
    return fail("umask is " + octal(*d.umask) + ", expected " + octal(*o.expect.umask) +
                    ": call umask() with the value you want (step 6)",
                ev);
  }
  if (o.attach) return skip("attached: the inherited umask is unknown (give --expect-umask)", ev);
  ev["inherited"] = octal(o.launch.umask);
  if (*d.umask == o.launch.umask) {
    return fail("umask is still the inherited " + octal(o.launch.umask) +
                    ": call umask(0) (or the mask you mean) so file modes are the daemon's own "
                    "choice, not the caller's (step 6)",
                ev);
  }
  return pass("umask is " + octal(*d.umask) + ", not the inherited " + octal(o.launch.umask), ev);
}

Verdict env_sanitized(const Observation& o, const DaemonFacts& d) {
  if (o.attach) return skip("attached: no canary was planted");
  const std::string key = o.launch.canary_name + "=";
  nlohmann::json ev{{"pid", d.pid}, {"canary", o.launch.canary_name}};
  if (d.environ_key_value) {
    ev["environ_entries"] = d.environ.size();
    bool present = std::any_of(d.environ.begin(), d.environ.end(),
                               [&](const std::string& e) { return e.rfind(key, 0) == 0; });
    if (present) {
      return fail(o.launch.canary_name +
                      " from the launching shell is still in the daemon's "
                      "environment: start from an allow-list (PATH, LANG, TZ, ...) and drop the "
                      "rest (step 1)",
                  ev);
    }
    return pass("the launching shell's canary variable is not in the environment", ev);
  }
  ev["environ_rewritten"] = true;
  if (!d.canary_in_memory) {
    return error("the environ block was rewritten and memory could not be searched: " +
                     d.memory_search_error,
                 ev);
  }
  if (!d.canary_in_memory->empty()) {
    ev["found_at"] = *d.canary_in_memory;
    return fail("the environ block was rewritten, but the canary is still in memory (" +
                    *d.canary_in_memory + "): scrub the environment before rewriting it (step 1)",
                ev);
  }
  return pass("the environ block was rewritten and the canary is nowhere in memory", ev);
}

Verdict core_dumps_disabled(const Observation& o, const DaemonFacts& d) {
  if (!d.core_known) return error("could not read /proc/" + std::to_string(d.pid) + "/limits");
  auto show = [](const std::optional<unsigned long long>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json("unlimited");
  };
  nlohmann::json ev{{"pid", d.pid}, {"soft", show(d.core_soft)}, {"hard", show(d.core_hard)}};
  if (!o.attach) ev["planted"] = show(o.launch.core_limit);
  // The launch raises the soft limit to the hard one; with a hard limit of 0
  // there is nothing to raise, and a 0 in the daemon proves nothing.
  if (!o.attach && o.launch.core_limit && *o.launch.core_limit == 0)
    return skip("the launch could not raise RLIMIT_CORE: its hard limit is 0 here", ev);
  if (d.core_soft && *d.core_soft == 0) return pass("RLIMIT_CORE is 0", ev);
  return fail("RLIMIT_CORE is " + (d.core_soft ? std::to_string(*d.core_soft) : "unlimited") +
                  ": set it to 0 so a crash cannot write memory (secrets) to disk "
                  "(python-daemon prevent_core)",
              ev);
}

Severity required_if_user(const Observation& o) {
  return o.expect.uid ? Severity::Required : Severity::Info;
}

Verdict privileges_dropped(const Observation& o, const DaemonFacts& d) {
  if (!o.expect.uid) return skip("no --expect-user given");
  nlohmann::json ev{{"pid", d.pid},
                    {"uid", {d.uid[0], d.uid[1], d.uid[2]}},
                    {"gid", {d.gid[0], d.gid[1], d.gid[2]}},
                    {"expected_uid", *o.expect.uid}};
  if (o.expect.gid) ev["expected_gid"] = *o.expect.gid;
  for (unsigned u : d.uid) {
    if (u != *o.expect.uid) {
      return fail("uids (real, effective, saved) are " + std::to_string(d.uid[0]) + ", " +
                      std::to_string(d.uid[1]) + ", " + std::to_string(d.uid[2]) + ", expected " +
                      std::to_string(*o.expect.uid) +
                      " for all three: setgid(), initgroups(), then setuid() after the steps "
                      "that need privilege",
                  ev);
    }
  }
  if (o.expect.gid) {
    for (unsigned g : d.gid) {
      if (g != *o.expect.gid) {
        return fail("gids (real, effective, saved) are " + std::to_string(d.gid[0]) + ", " +
                        std::to_string(d.gid[1]) + ", " + std::to_string(d.gid[2]) + ", expected " +
                        std::to_string(*o.expect.gid) + ": call setgid() before setuid()",
                    ev);
      }
    }
  }
  return pass("runs as uid " + std::to_string(*o.expect.uid) +
                  (o.expect.gid ? " gid " + std::to_string(*o.expect.gid) : std::string()),
              ev);
}

Severity required_if_root(const Observation& o) {
  return o.expect.root ? Severity::Required : Severity::Info;
}

Verdict root_directory(const Observation& o, const DaemonFacts& d) {
  if (!o.expect.root) return skip("no --expect-root given");
  nlohmann::json ev{{"pid", d.pid}, {"root", d.root}, {"expected", *o.expect.root}};
  if (d.root.empty()) return error("could not read /proc/" + std::to_string(d.pid) + "/root", ev);
  if (d.root == *o.expect.root) return pass("root directory is " + d.root, ev);
  return fail("root directory is " + d.root + ", expected " + *o.expect.root +
                  ": chroot() to it, then chdir(\"/\") inside it",
              ev);
}

}  // namespace

void add_process_rules(std::vector<RuleDef>& out) {
  out.push_back(RuleDef{
      .id = "cwd-root",
      .title = "The working directory is /",
      .severity = Severity::Required,
      .seed_step = "5",
      .profiles = kSysv | kControl,
      .per_daemon = cwd_root,
      .doc = {
          .checks = "The daemon's working directory is / (or the one given with --expect-cwd).",
          .why = "A process's working directory keeps its file system busy: while the daemon sits "
                 "in /home/alice or /mnt/usb, that file system cannot be unmounted.",
          .how = "readlink /proc/PID/cwd.",
          .fix_c = "if (chdir(\"/\") < 0) err(1, \"chdir\");",
          .fix_python = "with daemon.DaemonContext(working_directory='/'):  # '/' is the default\n"
                        "    main()",
          .fix_shell = "start-stop-daemon --start --background --chdir / --exec $DAEMON\n"
                       "# or: daemonctl start --chdir / --pidfile $PIDFILE -- $DAEMON"}});
  out.push_back(RuleDef{
      .id = "umask-reset",
      .title = "The umask is the daemon's own",
      .severity = Severity::Required,
      .seed_step = "6",
      .profiles = kSysv | kControl,
      .per_daemon = umask_reset,
      .doc = {.checks = "The daemon's umask differs from the unusual one it inherited (or equals "
                        "--expect-umask).",
              .why =
                  "The umask filters the mode of every file the daemon creates. Inherited from "
                  "whoever started it, it makes the daemon's files world-writable for one user and "
                  "unreadable for the next.",
              .how = "The Umask line of /proc/PID/status, against the 047 the launcher set.",
              .fix_c = "umask(0);  /* or umask(022): the daemon's own choice */",
              .fix_python = "with daemon.DaemonContext(umask=0o022):  # the default is 0\n"
                            "    main()",
              .fix_shell = "start-stop-daemon --start --background --umask 022 --exec $DAEMON\n"
                           "# or: daemonctl start --umask 022 --pidfile $PIDFILE -- $DAEMON"}});
  out.push_back(RuleDef{
      .id = "env-sanitized",
      .title = "The launching shell's environment is not inherited",
      .severity = Severity::Info,
      .seed_step = "1",
      .profiles = kSysv | kControl,
      .per_daemon = env_sanitized,
      .doc = {
          .checks = "The canary variable the launcher added is absent from the daemon's "
                    "environment.",
          .why = "A daemon that keeps the caller's environment behaves differently depending on "
                 "who started it (LD_PRELOAD, locale, PATH, proxies) and leaks the caller's "
                 "secrets to its children.",
          .how = "/proc/PID/environ is the initial environment block. When it no longer reads as "
                 "KEY=VALUE entries (setproctitle rewrote it), the checker searches the daemon's "
                 "readable memory (/proc/PID/maps, /proc/PID/mem) for the canary's value; if it "
                 "cannot, the rule errors.",
          .fix_c = "/* first thing in main(): run again with an allow-listed environment. "
                   "clearenv() is not\n"
                   "   enough: /proc/PID/environ and the memory behind it keep the old block */\n"
                   "if (getenv(\"DAEMON_ENV_CLEAN\") == NULL) {\n"
                   "  char *keep[] = {\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\", "
                   "\"DAEMON_ENV_CLEAN=1\", NULL};\n"
                   "  execve(\"/proc/self/exe\", argv, keep);\n"
                   "  err(1, \"execve\");\n"
                   "}",
          .fix_python = "# DaemonContext keeps the environment: first thing, run again with an "
                        "allow-list\n"
                        "if 'DAEMON_ENV_CLEAN' not in os.environ:\n"
                        "    os.execve(sys.executable, [sys.executable] + sys.argv,\n"
                        "              {'PATH': '/usr/bin:/bin', 'DAEMON_ENV_CLEAN': '1'})\n"
                        "with daemon.DaemonContext(detach_process=True):\n"
                        "    main()",
          .fix_shell = "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin start-stop-daemon --start "
                       "--background --exec $DAEMON\n"
                       "# or: daemonctl start --pidfile $PIDFILE -- $DAEMON   # keeps only PATH, "
                       "LANG, LC_*, TZ"}});
  out.push_back(RuleDef{
      .id = "core-dumps-disabled",
      .title = "Core dumps are disabled",
      .severity = Severity::Info,
      .seed_step = "python-daemon prevent_core",
      .profiles = kSysv | kControl,
      .per_daemon = core_dumps_disabled,
      .doc = {.checks = "RLIMIT_CORE of the daemon is 0.",
              .why = "A daemon's memory holds keys, passwords and other users' data; a core file "
                     "writes it to disk where it outlives the process.",
              .how = "The \"Max core file size\" line of /proc/PID/limits.",
              .fix_c = "struct rlimit none = {0, 0};\n"
                       "if (setrlimit(RLIMIT_CORE, &none) < 0) err(1, \"setrlimit\");",
              .fix_python = "with daemon.DaemonContext(prevent_core=True):  # the default\n"
                            "    main()",
              .fix_shell =
                  "ulimit -c 0\n"
                  "start-stop-daemon --start --background --exec $DAEMON\n"
                  "# or: daemonctl start --pidfile $PIDFILE -- $DAEMON   # sets RLIMIT_CORE "
                  "to 0"}});
  out.push_back(RuleDef{
      .id = "privileges-dropped",
      .title = "The daemon runs as the expected user",
      .severity = Severity::Required,
      .seed_step = "uid/gid",
      .profiles = kSysv | kControl,
      .per_daemon = privileges_dropped,
      .severity_for = required_if_user,
      .doc = {
          .checks = "With --expect-user (and --expect-group), the daemon's real, effective and "
                    "saved ids all equal the expected ones.",
          .why = "A daemon that keeps root after it no longer needs it turns every bug into a "
                 "root compromise; a saved uid of 0 lets an attacker switch back.",
          .how = "The Uid and Gid lines of /proc/PID/status.",
          .fix_c = "struct passwd *pw = getpwnam(\"nobody\");  /* the daemon's own user */\n"
                   "if (pw == NULL) errx(1, \"no user nobody\");\n"
                   "if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||\n"
                   "    setuid(pw->pw_uid) < 0)  /* the groups first: after setuid() it is too "
                   "late */\n"
                   "  err(1, \"drop privileges\");",
          .fix_python = "pw = pwd.getpwnam('nobody')\n"
                        "# initgroups=True makes python-daemon 2.3.2 call os.initgroups() instead "
                        "of\n"
                        "# os.setgid(): the gid stays 0. Set the groups yourself, then let it "
                        "setgid/setuid.\n"
                        "os.initgroups(pw.pw_name, pw.pw_gid)\n"
                        "with daemon.DaemonContext(detach_process=True, uid=pw.pw_uid, "
                        "gid=pw.pw_gid):\n"
                        "    main()",
          .fix_shell = "start-stop-daemon --start --background --chuid nobody:nogroup --exec "
                       "$DAEMON\n"
                       "# or: daemonctl start --user nobody --group nogroup --pidfile $PIDFILE -- "
                       "$DAEMON"}});
  out.push_back(RuleDef{
      .id = "root-directory",
      .title = "The root directory is the expected one",
      .severity = Severity::Required,
      .seed_step = "chroot_directory",
      .profiles = kSysv | kControl,
      .per_daemon = root_directory,
      .severity_for = required_if_root,
      .doc = {
          .checks = "With --expect-root, the daemon's root directory is that directory.",
          .why = "A chroot confines what a compromised daemon can see of the file system.",
          .how = "readlink /proc/PID/root.",
          .fix_c = "/* after opening what the jail lacks (/dev/null, logs, the pidfile) */\n"
                   "if (chroot(jail) < 0 || chdir(\"/\") < 0) err(1, \"chroot %s\", jail);",
          .fix_python = "# open stdin, stdout, stderr before: DaemonContext chroots first, then "
                        "opens\n"
                        "# /dev/null, which a bare jail does not have (the daemon dies after its "
                        "parent exited 0)\n"
                        "null = open(os.devnull, 'w+')\n"
                        "with daemon.DaemonContext(detach_process=True, chroot_directory=jail,\n"
                        "                          stdin=null, stdout=null, stderr=null):\n"
                        "    main()",
          .fix_shell = "start-stop-daemon --start --background --chroot $JAIL --exec $DAEMON   # "
                       "$DAEMON: a path in $JAIL\n"
                       "# or: daemonctl start --chroot $JAIL --pidfile $PIDFILE -- $DAEMON"}});
}

}  // namespace dc
