#!/usr/bin/env python3
"""Runs every fix that `daemoncheck --explain` teaches, and requires it to work.

    run_fixes.py --catalog BIN --daemoncheck BIN [--daemonctl BIN] --worker BIN --cc CC
                 --python PY --work DIR [--lang c|python|shell ...] [--rule ID ...]
    run_fixes.py ... --covers RULE,RULE,...

The fixes come from the rule catalogue (BIN prints it as JSON). With --covers
the script checks that every rule has a test and that `daemoncheck --explain
RULE` prints each fix as written. Otherwise each fix is built into a small
program, started under daemoncheck the way a user would start it, and the
scorecard must show its rule `pass` on a daemon that lives on: the effect the
rule checks, observed by daemoncheck on a real process through /proc.

C: the fix is put into the step of a daemon skeleton (below) that its rule is
about; preprocessor lines go to the top of the file, and a line starting with
`/* ...` splits a fix into the part that runs there and the part that runs at
the end of start-up. The skeleton with the step left out (or done the wrong
way the rule's `bug` says) must NOT pass the rule: so the pass is the fix's
doing, not the skeleton's.
Python: the fix is the body of a script run by python3 with python-daemon;
`main()` waits for signals.
Shell: the fix is a script run by /bin/sh (dash; bash too where shells
differ) with $DAEMON a plain program; each `# or: CMD` line is run as well, as
its own script. For the `script` rules the fix is the daemon itself, started
with `setsid --fork` and writing its pid to $PIDFILE.

The rules of the service profile are run under `daemoncheck --unit`, the
"Fix in shell" being their unit file: service_fixes.py says how.

A fix that cannot run here is listed in NOT_RUNNABLE with the reason; fixes
that need root are run only as root, and those that call a program a minimal
system may lack (NEEDS_PROGRAM) only where it is installed. Exit 0 when every
fix works, 1 otherwise, 77 when none could be run here.
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import re
import resource
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import control_fixes  # noqa: E402
import service_fixes  # noqa: E402

# The rules of the service profile: their fixes are run under
# `daemoncheck --unit` on a generated unit (service_fixes.py says how).
SERVICE_RULE_IDS = [
    "unit-file-valid", "type-matches-behaviour", "start-completes", "main-pid-known",
    "pidfile-written-before-exit", "pidfile-safe", "notify-access", "mainpid-valid",
    "reload-protocol", "reload-keeps-service", "watchdog-kept", "stop-completes",
    "clean-exit-status", "no-leftover-processes", "notify-socket-not-inherited", "stdin-not-tty",
]

# (lang, rule): why the fix is not run. Keep this short.
# The control profile's fixes are arms of an init script: control_fixes.py runs
# them in whole LSB scripts under `daemoncheck control`.
NOT_RUNNABLE = {(lang, rule): "a control rule's fix is shell only"
                for rule in control_fixes.RULES for lang in ("c", "python")}

NEEDS_ROOT = {"privileges-dropped", "root-directory"}

# (lang, rule): a program the fix calls that a minimal Debian may lack; the fix
# is run where it is installed.
NEEDS_PROGRAM = {("shell", "sd-notify-ready"): "systemd-notify"}

C_SKELETON = r"""/*@HOIST@*/
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
/*@FILESCOPE@*/
int main(int argc, char **argv) {
  if (argc < 3) errx(2, "usage: %s PIDFILE JAIL", argv[0]);
  const char *pidfile = argv[1];
  const char *jail = argv[2];
  pid_t child = 0;
  (void)jail;
  (void)child;
  mkdir(jail, 0755);
/*@PRE@*/
/*@ENV@*/
/*@FDS@*/
/*@SIGDISP@*/
/*@SIGMASK@*/
/*@CORE@*/
/*@DETACH@*/
/*@STDIO@*/
/*@UMASK@*/
/*@CWD@*/
/*@PIDFILE@*/
/*@CHROOT@*/
/*@PRIV@*/
/*@READY@*/
/*@CHILD@*/
/*@LOOP@*/
}
"""

# What each step of the skeleton does when the rule under test is about
# another step: enough to make a daemon.
C_DEFAULTS = {
    "DETACH": """{
  pid_t p = fork();
  if (p < 0) err(1, "fork");
  if (p > 0) _exit(0);
  if (setsid() < 0) err(1, "setsid");
  if ((p = fork()) < 0) err(1, "fork");
  if (p > 0) _exit(0);
}""",
    "STDIO": """{
  int n = open("/dev/null", O_RDWR);
  if (n < 0) err(1, "/dev/null");
  dup2(n, 0); dup2(n, 1); dup2(n, 2);
  if (n > 2) close(n);
}""",
    "UMASK": "umask(022);",
    "CWD": 'if (chdir("/") < 0) err(1, "chdir");',
    "PIDFILE": """{
  int p = open(pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (p < 0 || flock(p, LOCK_EX | LOCK_NB) < 0) _exit(1);
  if (ftruncate(p, 0) < 0 || dprintf(p, "%ld\\n", (long)getpid()) < 0) _exit(1);
}""",
    "LOOP": """{
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGTERM);
  sigprocmask(SIG_BLOCK, &s, NULL);
  while (sigwaitinfo(&s, NULL) != SIGTERM) {
  }
/*@ONTERM@*/
  unlink(pidfile);
  exit(0);
}""",
}

# The old fix of sigterm-exits, which the bare skeleton runs: a flag set by a
# handler installed with glibc's signal() is never read while read() blocks.
OLD_SIGTERM_FILESCOPE = """static volatile sig_atomic_t stop;
static void on_term(int s) { (void)s; stop = 1; }"""
OLD_SIGTERM_LOOP = """{
  signal(SIGHUP, SIG_IGN);
  signal(SIGTERM, on_term);
  int p[2];
  char c;
  if (pipe(p) < 0) err(1, "pipe");
  while (!stop) {
    if (read(p[0], &c, 1) < 0 && errno != EINTR) err(1, "read");
  }
  exit(0);
}"""

# The SIGHUP probe comes before the SIGTERM one: a fix about SIGTERM alone is
# measured on a daemon that survives SIGHUP.
IGNORE_SIGHUP = "signal(SIGHUP, SIG_IGN);"

# A pidfile with the pid but no lock, and the old fix of pidfile-matches,
# which leaves the end of a longer stale pid behind.
UNLOCKED_PIDFILE = """{
  int p = open(pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (p < 0 || ftruncate(p, 0) < 0 || dprintf(p, "%ld\\n", (long)getpid()) < 0) _exit(1);
}"""
OLD_PIDFILE_WRITE = """{
  int p = open(pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (p < 0 || dprintf(p, "%ld\\n", (long)getpid()) < 0) _exit(1);
}"""

# rule -> how its C fix is run.
#   slot: the skeleton step the fix replaces
#   bug: what the bare skeleton has in that step instead (default: nothing)
#   filescope: code at file scope for the bug
#   with: {slot: rule} steps that take another rule's fix as well (with_only_fix:
#     in the run with the fix only)
#   pre: code before every step (the mess the fix must clean up)
#   child: code after start-up (a child the daemon starts)
#   clear: steps left empty in both runs (the fix does them)
#   loop: the main loop of both runs, when the default one would hide the bug
#   options: daemoncheck options; bare_options: more of them for the bare run
C_RULES = {
    "parent-exits": {"slot": "DETACH", "bug": 'if (fork() > 0) _exit(3);', "pre": IGNORE_SIGHUP},
    "ready-before-exit": {"slot": "DETACH", "options": ["--pidfile", "{tmp}/d.pid"],
                          "bug": C_DEFAULTS["DETACH"] + "\nusleep(300000);"},
    "new-session": {"slot": "DETACH", "bug": 'if (fork() > 0) _exit(0);'},
    "no-controlling-tty": {"slot": "DETACH", "clear": ["STDIO"],
                           "bug": 'if (fork() > 0) _exit(0);'},
    "double-fork": {"slot": "DETACH",
                    "bug": 'if (fork() > 0) _exit(0);\nif (setsid() < 0) err(1, "setsid");'},
    "survives-hangup": {"slot": "DETACH", "bug": 'if (fork() > 0) _exit(0);',
                        "loop": "for (;;) pause();  /* SIGHUP ends it */"},
    "race-free-startup": {"slot": "DETACH", "options": ["--race-trials", "5"],
                          "bug": 'if (fork() > 0) _exit(0);\nusleep(100000);\nsetsid();'},
    "cwd-root": {"slot": "CWD"},
    "umask-reset": {"slot": "UMASK"},
    "env-sanitized": {"slot": "ENV"},
    "core-dumps-disabled": {"slot": "CORE"},
    "privileges-dropped": {"slot": "PRIV", "options": ["--expect-user", "nobody",
                                                        "--expect-group", "nogroup"]},
    "root-directory": {"slot": "CHROOT", "options": ["--expect-root", "{tmp}/jail"]},
    "inherited-fds-closed": {"slot": "FDS"},
    "stdio-open": {"slot": "STDIO", "pre": "close(0); close(1); close(2);"},
    "stdio-detached": {"slot": "STDIO"},
    "signal-mask-reset": {"slot": "SIGMASK"},
    "signal-dispositions-reset": {"slot": "SIGDISP"},
    "pidfile-matches": {"slot": "PIDFILE", "options": ["--pidfile", "{tmp}/d.pid"],
                        "bug": OLD_PIDFILE_WRITE, "bare_options": ["--start-timeout", "1"],
                        "pre": """{
  int stale = open(pidfile, O_WRONLY | O_CREAT, 0644);  /* left by a crash */
  if (stale < 0 || write(stale, "1234567\\n", 8) != 8) err(1, "stale pidfile");
  close(stale);
}"""},
    "pidfile-locked": {"slot": "PIDFILE", "options": ["--pidfile", "{tmp}/d.pid"],
                       "bug": UNLOCKED_PIDFILE},
    "single-instance": {"slot": "PIDFILE", "options": ["--pidfile", "{tmp}/d.pid"],
                        "bug": UNLOCKED_PIDFILE},
    "second-instance-reports-failure": {"slot": "PIDFILE", "with": {"DETACH": "ready-before-exit"},
                                        "options": ["--pidfile", "{tmp}/d.pid"],
                                        "bug": C_DEFAULTS["PIDFILE"], "with_only_fix": True},
    "sighup-handled": {"slot": "LOOP", "bug": "for (;;) pause();"},
    "sigterm-exits": {"slot": "LOOP", "bug": OLD_SIGTERM_LOOP, "filescope": OLD_SIGTERM_FILESCOPE,
                      "pre": IGNORE_SIGHUP, "options": ["--stop-timeout", "1"]},
    "sigterm-cleanup": {"slot": "ONTERM", "options": ["--pidfile", "{tmp}/d.pid",
                                                      "--stop-timeout", "3"],
                        "pre": IGNORE_SIGHUP,
                        "child": "child = fork();\nif (child == 0) for (;;) pause();"},
    "stays-in-foreground": {"slot": "DETACH", "profile": "systemd", "bug": C_DEFAULTS["DETACH"],
                            "options": ["--start-timeout", "1"]},
    "sd-notify-ready": {"slot": "READY", "profile": "systemd", "notify": True,
                        "bare_options": ["--start-timeout", "1"],
                        "with": {"DETACH": "stays-in-foreground"}},
}

PY_HEADER = """import daemon, fcntl, os, pwd, signal, socket, subprocess, sys
pidfile_path, jail, log_path, worker = sys.argv[1:5]
os.makedirs(jail, exist_ok=True)
children = []


def main():
{main_pre}    while True:
        signal.pause()


{pre}
"""

PY_WRITE_PIDFILE = """    fd = os.open(pidfile_path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(fd, b'%d\\n' % os.getpid())
"""

PY_NAME_DAEMON = """    with open(pidfile_path, 'w') as named:
        named.write('%d\\n' % os.getpid())
"""

PY_IGNORE_SIGHUP = "signal.signal(signal.SIGHUP, signal.SIG_IGN)  # the SIGHUP probe comes first\n"

PY_STALE_PIDFILE = "with open(pidfile_path, 'w') as stale:\n    stale.write('1234567\\n')\n"

# rule -> how its Python fix is run: options, and code for main() or before.
#   pidfile: "main" (the default: main() writes it), "fix" (the fix does), or
#     None (no pidfile: the daemon cannot write there, or does not fork)
PY_RULES = {
    "ready-before-exit": {"options": ["--pidfile", "{tmp}/d.pid"], "pidfile": "fix"},
    "race-free-startup": {"options": ["--race-trials", "5"]},
    "privileges-dropped": {"options": ["--expect-user", "nobody", "--expect-group", "nogroup"],
                           "pidfile": None},
    "root-directory": {"options": ["--expect-root", "{tmp}/jail"], "pidfile": None},
    "pidfile-matches": {"options": ["--pidfile", "{tmp}/d.pid"], "pre": PY_STALE_PIDFILE,
                        "pidfile": "fix"},
    "pidfile-locked": {"options": ["--pidfile", "{tmp}/d.pid"], "pidfile": "fix"},
    "single-instance": {"options": ["--pidfile", "{tmp}/d.pid"], "pidfile": "fix"},
    "second-instance-reports-failure": {"options": ["--pidfile", "{tmp}/d.pid"],
                                        "pidfile": "fix"},
    "sigterm-exits": {"pre": PY_IGNORE_SIGHUP, "options": ["--stop-timeout", "3"]},
    "sigterm-cleanup": {"options": ["--pidfile", "{tmp}/d.pid", "--stop-timeout", "3"],
                        "pre": PY_IGNORE_SIGHUP, "pidfile": "fix",
                        "main_pre": PY_WRITE_PIDFILE +
                        "    children.append(subprocess.Popen([worker]))\n"},
    "stays-in-foreground": {"profile": "systemd", "options": ["--start-timeout", "1"],
                            "pidfile": None},
    "sd-notify-ready": {"profile": "systemd", "notify": True, "pidfile": None},
}

SH_HEADER = """PIDFILE=$1/d.pid
LOGFILE=$1/d.log
JAIL=$1/jail
DAEMON={daemon}
"""

# rule -> how its shell fix is run.
#   script: the fix is the daemon (a shell script started with setsid --fork)
#   shells: the shells to run it with (default dash)
#   jail: $DAEMON is the worker copied into $JAIL, named by its path there
SH_RULES = {
    "ready-before-exit": {"options": ["--pidfile", "{tmp}/d.pid"]},
    "race-free-startup": {"options": ["--race-trials", "5"]},
    "privileges-dropped": {"options": ["--expect-user", "nobody", "--expect-group", "nogroup"]},
    "root-directory": {"options": ["--expect-root", "{tmp}/jail"], "jail": True},
    "pidfile-matches": {"options": ["--pidfile", "{tmp}/d.pid"],
                        "pre": "echo 1234567 > $PIDFILE\n"},
    "pidfile-locked": {"options": ["--pidfile", "{tmp}/d.pid"]},
    "single-instance": {"options": ["--pidfile", "{tmp}/d.pid"]},
    "second-instance-reports-failure": {"options": ["--pidfile", "{tmp}/d.pid"]},
    "signal-mask-reset": {"shells": ["/bin/dash", "/bin/bash"]},
    "signal-dispositions-reset": {"shells": ["/bin/dash", "/bin/bash"]},
    "sighup-handled": {"script": True},
    "sigterm-exits": {"script": True, "daemon_pre": "trap '' HUP\n",
                      "options": ["--stop-timeout", "3"]},
    "sigterm-cleanup": {"script": True, "daemon_pre": "trap '' HUP\n",
                        "options": ["--pidfile", "{tmp}/d.pid", "--stop-timeout", "3"]},
    "stays-in-foreground": {"profile": "systemd", "options": ["--start-timeout", "1"]},
    "sd-notify-ready": {"profile": "systemd", "notify": True},
}


class Runner:
    def __init__(self, args, work=None):
        self.args = args
        self.work = pathlib.Path(work or args.work)
        self.reports = self.work / "reports"
        self.reports.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ)
        path = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        if args.daemonctl:
            path.insert(0, str(pathlib.Path(args.daemonctl).resolve().parent))
        self.env["PATH"] = ":".join(path)
        self.env.pop("NOTIFY_SOCKET", None)

    def daemoncheck(self, name, target, rule, spec):
        """Runs target under daemoncheck; returns the rule's status and message.
        A pass whose daemon did not live on is reported as "short-lived"."""
        card = self.work / f"{name}.json"
        # Short bounds: a fix that works never waits for them.
        # Without a pidfile, start-up ends after a quiet window: a long one, so that
        # a daemonizer starved of CPU halfway is not taken for the daemon.
        options = {"--start-timeout": "3", "--stop-timeout": "1", "--race-trials": "0",
                   "--settle-ms": "200"}
        given = spec.get("options", [])
        options.update(zip(given[::2], given[1::2]))
        cmd = [self.args.daemoncheck, "--quiet", "--report-dir", str(self.reports),
               "--json", str(card)]
        for key, value in options.items():
            cmd += [key, value]
        if spec.get("profile"):
            cmd += ["--profile", spec["profile"]]
        if spec.get("notify"):
            cmd += ["--notify"]
        cmd += ["--"] + target
        if card.exists():
            card.unlink()
        started = time.monotonic()
        run = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=120,
                             preexec_fn=raise_core_limit)
        print(f"     {name}: {time.monotonic() - started:.1f} s", flush=True)
        if not card.exists():
            return "no-scorecard", f"daemoncheck exited {run.returncode}: {run.stderr.strip()}"
        scorecard = json.loads(card.read_text())
        for r in scorecard["rules"]:
            if r["id"] == rule:
                died = died_early(scorecard)
                if r["status"] == "pass" and died:
                    return "short-lived", f"{r['message']}, but the daemon did not live on: {died}"
                return r["status"], r["message"]
        return "absent", f"{rule} is not in the scorecard"


def died_early(scorecard):
    """A daemon caught on its way out can look right: a fix must leave one that
    lives on, at least until the SIGHUP probe. Says why not, or ""."""
    sighup = scorecard.get("probes", {}).get("sighup", {})
    return "" if sighup.get("ran", True) else f"SIGHUP probe: {sighup.get('skipped')}"


def raise_core_limit():
    # A caller with `ulimit -c 0` would let core-dumps-disabled pass without
    # the fix: hand the check the hard limit, as a developer shell has it.
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def c_source(catalog, rule, with_fix):
    spec = C_RULES[rule]
    slots = {k: v for k, v in C_DEFAULTS.items()}
    hoist, filescope = [], []
    for name in spec.get("clear", []):
        slots[name] = ""
    if "loop" in spec:
        slots["LOOP"] = spec["loop"]

    def place(slot, fix):
        lines = fix.split("\n")
        hoist.extend(line for line in lines if line.startswith("#"))
        body = [line for line in lines if not line.startswith("#")]
        split = next((i for i, line in enumerate(body) if line.startswith("/* ...")), None)
        if split is None:
            slots[slot] = "\n".join(body)
        else:
            slots[slot] = "\n".join(body[:split])
            slots["READY"] = "\n".join(body[split:])

    for slot, other in spec.get("with", {}).items():
        if with_fix or not spec.get("with_only_fix"):
            place(slot, catalog[other]["fix_c"])
    if with_fix:
        place(spec["slot"], catalog[rule]["fix_c"])
    else:
        slots[spec["slot"]] = spec.get("bug", "")
        if spec.get("filescope"):
            filescope.append(spec["filescope"])
    slots["PRE"] = spec.get("pre", "")
    slots["CHILD"] = spec.get("child", "")
    text = C_SKELETON
    for name in ["PRE", "ENV", "FDS", "SIGDISP", "SIGMASK", "CORE", "DETACH", "STDIO", "UMASK",
                 "CWD", "PIDFILE", "CHROOT", "PRIV", "READY", "CHILD", "LOOP"]:
        text = text.replace(f"/*@{name}@*/", slots.get(name, ""))
    text = text.replace("/*@ONTERM@*/", slots.get("ONTERM", ""))
    text = text.replace("/*@HOIST@*/", "\n".join(hoist))
    return text.replace("/*@FILESCOPE@*/", "\n".join(filescope))


def check_c(runner, catalog, rule):
    spec = C_RULES[rule]
    problems = []
    for with_fix in (True, False):
        name = f"c-{rule}" + ("" if with_fix else "-without-fix")
        src = runner.work / f"{name}.c"
        exe = runner.work / name
        src.write_text(c_source(catalog, rule, with_fix))
        cc = subprocess.run([runner.args.cc, "-std=gnu17", "-Wall", "-Werror", "-o", str(exe),
                             str(src)], capture_output=True, text=True)
        if cc.returncode != 0:
            problems.append(f"C {rule}: {name}.c does not compile:\n{cc.stderr.strip()[:1500]}")
            continue
        run_spec = dict(spec)
        if not with_fix:
            run_spec["options"] = spec.get("options", []) + spec.get("bare_options", [])
        elif spec.get("profile") != "systemd":
            # The skeleton (or the fix) writes the pidfile once the daemon is set
            # up: start-up ends then, not halfway through the forks.
            run_spec["options"] = ["--pidfile", "{tmp}/d.pid"] + spec.get("options", [])
        status, message = runner.daemoncheck(name, [str(exe), "{tmp}/d.pid", "{tmp}/jail"],
                                             rule, run_spec)
        if with_fix and status != "pass":
            problems.append(f"C {rule}: with the fix, {status}: {message}")
        if not with_fix and status == "pass":
            problems.append(f"C {rule}: passes without the fix too, so the test proves nothing: "
                            f"{message}")
    return problems


def check_python(runner, catalog, rule):
    spec = PY_RULES.get(rule, {})
    script = runner.work / f"py-{rule}.py"
    main_pre = spec.get("main_pre", "")
    if spec.get("pidfile", "main") == "main":
        # The daemon names itself in the pidfile once it is set up: start-up
        # ends then, not while DaemonContext is still forking.
        main_pre = PY_NAME_DAEMON + main_pre
        spec = dict(spec, options=spec.get("options", []) + ["--pidfile", "{tmp}/d.pid"])
    header = PY_HEADER.format(main_pre=main_pre, pre=spec.get("pre", ""))
    script.write_text(header + catalog[rule]["fix_python"] + "\n")
    compiled = subprocess.run([runner.args.python, "-m", "py_compile", str(script)],
                              capture_output=True, text=True)
    if compiled.returncode != 0:
        return [f"Python {rule}: does not compile: {compiled.stderr.strip()[:800]}"]
    target = [runner.args.python, str(script), "{tmp}/d.pid", "{tmp}/jail", "{tmp}/d.log",
              runner.args.worker]
    status, message = runner.daemoncheck(f"py-{rule}", target, rule, spec)
    return [] if status == "pass" else [f"Python {rule}: {status}: {message}"]


def shell_variants(fix):
    """The fix without its `# or:` lines, then each `# or:` command."""
    main, alternatives = [], []
    for line in fix.split("\n"):
        m = re.match(r"#\s*or:\s*(.*)$", line)
        if m:
            alternatives.append(m.group(1))
        else:
            main.append(line)
    return ["\n".join(main)] + alternatives


def check_shell(runner, catalog, rule):
    if rule in control_fixes.RULES:
        return control_fixes.check_rule(runner.args, runner.env, runner.work, catalog, rule)
    spec = SH_RULES.get(rule, {})
    daemon = "/worker" if spec.get("jail") else runner.args.worker
    pre = spec.get("pre", "")
    if spec.get("jail"):
        pre += f'mkdir -p "$JAIL" && cp {runner.args.worker} "$JAIL/worker"\n'
    problems = []
    for i, variant in enumerate(shell_variants(catalog[rule]["fix_shell"])):
        body = variant
        if spec.get("script") and i == 0:
            daemon_script = runner.work / f"sh-{rule}-daemon.sh"
            daemon_script.write_text(SH_HEADER.format(daemon=daemon) +
                                     'echo $$ > "$PIDFILE"\n' + spec.get("daemon_pre", "") +
                                     variant + "\n")
            body = f'setsid --fork /bin/sh {daemon_script} "$1" < /dev/null > /dev/null 2>&1'
        for shell in spec.get("shells", ["/bin/sh"]):
            name = f"sh-{rule}-{i}-{pathlib.Path(shell).name}"
            script = runner.work / f"{name}.sh"
            script.write_text(SH_HEADER.format(daemon=daemon) + pre + body + "\n")
            status, message = runner.daemoncheck(name, [shell, str(script), "{tmp}"], rule, spec)
            if status != "pass":
                what = "the fix" if i == 0 else f"'or: {variant}'"
                problems.append(f"shell {rule} ({shell}), {what}: {status}: {message}")
    return problems


def explain_has(daemoncheck, rule, lang, code):
    out = subprocess.run([daemoncheck, "--explain", rule], capture_output=True, text=True).stdout
    head = {"c": "Fix in C", "python": "Fix in Python", "shell": "Fix in shell"}[lang]
    block = "\n".join("    " + line for line in code.split("\n"))
    return f"\n{head}\n{block}\n" in out


SKIP = 77


def why_not_run(runner, lang, rule):
    """Why the fix of rule in lang is not run here, or None."""
    if (lang, rule) in NOT_RUNNABLE:
        return NOT_RUNNABLE[(lang, rule)]
    if rule in SERVICE_RULE_IDS:
        return service_fixes.why_not_run(lang, rule)
    if lang == "shell" and rule in control_fixes.RULES:
        return control_fixes.why_not_run(runner.args, rule, runner.catalog)
    if rule in NEEDS_ROOT and os.geteuid() != 0:
        return "needs root"
    program = NEEDS_PROGRAM.get((lang, rule))
    if program and not shutil.which(program, path=runner.env["PATH"]):
        return f"{program} is not installed"
    return None


def coverage(args, catalog):
    """Every rule has a test of its own (the list CMake made, given with
    --covers) and a way to run its C fix; --explain prints every fix as is."""
    problems = []
    listed = set(args.covers.split(","))
    problems += [f"{r}: not in DC_EXPLAIN_RULES (tests/explain/CMakeLists.txt): it has no test"
                 for r in sorted(set(catalog) - listed)]
    problems += [f"{r}: in DC_EXPLAIN_RULES but not a rule" for r in sorted(listed - set(catalog))]
    problems += [f"{r}: no entry in C_RULES (or SERVICE_RULE_IDS): say how its C fix is run"
                 for r in sorted(set(catalog) - set(C_RULES) - set(SERVICE_RULE_IDS))
                 if catalog[r]["fix_c"]]
    problems += [f"{r}: no entry in service_fixes.RULES: say how its fixes are run"
                 for r in SERVICE_RULE_IDS if r not in service_fixes.RULES]
    for rule in sorted(catalog):
        for lang in ("c", "python", "shell"):
            if not catalog[rule]["fix_" + lang]:
                continue  # a control rule's fix is shell only
            if not explain_has(args.daemoncheck, rule, lang, catalog[rule]["fix_" + lang]):
                problems.append(f"{rule}: --explain does not print its {lang} fix as is")
    for p in problems:
        print(p)
    print(f"{len(catalog)} rules, 3 fixes each: {len(problems)} problems")
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", required=True)
    ap.add_argument("--daemoncheck", required=True)
    ap.add_argument("--daemonctl")
    ap.add_argument("--control-daemon", help="$DAEMON of the start-stop-daemon control script")
    ap.add_argument("--control-worker", help="$DAEMON of the daemonctl control script")
    ap.add_argument("--worker", required=True, help="a static plain program ($DAEMON)")
    ap.add_argument("--cc", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--lang", action="append", choices=["c", "python", "shell"],
                    help="default: all three")
    ap.add_argument("--rule", action="append", help="default: every rule")
    ap.add_argument("--covers", help="the rule ids that have a test, comma-separated")
    ap.add_argument("--jobs", type=int, default=3)
    args = ap.parse_args()

    catalog = {r["id"]: r for r in json.loads(subprocess.run(
        [args.catalog], capture_output=True, text=True, check=True).stdout)}
    if args.covers is not None:
        return coverage(args, catalog)
    langs = args.lang or ["c", "python", "shell"]
    rules = args.rule or sorted(catalog)
    unknown = [r for r in rules if r not in catalog]
    if unknown:
        ap.error(f"no such rule: {', '.join(unknown)}")

    checks = {"c": check_c, "python": check_python, "shell": check_shell}
    runner = Runner(args)
    runner.catalog = catalog
    todo, skipped, problems = [], [], []
    for rule in rules:
        for lang in langs:
            why = why_not_run(runner, lang, rule)
            if why:
                skipped.append(f"{lang} {rule}: {why}")
            else:
                todo.append((lang, rule))

    def run(job):
        lang, rule = job
        # One folder per fix: the tests of several rules run at once.
        work = pathlib.Path(args.work) / lang / rule
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        if rule in SERVICE_RULE_IDS:
            return service_fixes.CHECKS[lang](Runner(args, work), catalog, rule)
        return checks[lang](Runner(args, work), catalog, rule)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for (lang, rule), found in zip(todo, pool.map(run, todo)):
            print(f"{'FAIL' if found else 'ok  '} {lang} {rule}", flush=True)
            problems += found
    for s in skipped:
        print(f"skip {s}")
    for p in problems:
        print(p)
    print(f"{len(todo)} fixes run, {len(skipped)} not run, {len(problems)} problems")
    if problems:
        return 1
    return SKIP if skipped and not todo else 0


if __name__ == "__main__":
    sys.exit(main())
