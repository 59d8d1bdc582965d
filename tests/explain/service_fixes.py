"""Runs the fixes `daemoncheck --explain` teaches for the rules of the service
profile, each under `daemoncheck --unit` as systemd would run it.

A service rule teaches three fixes: the unit file (its "Fix in shell" block,
which for these rules is a `[Service]` section), the program in C and the
program in Python. Each is run here as a learner would use it:

- the unit snippet is written to NAME.service in the fix's own folder, with
  the program it names (/usr/sbin/mydaemon, /usr/local/bin/mydaemon) replaced
  by the program built from the fix, and the keys it needs but does not set
  (Type=, ExecStart=) added;
- the C fix is put into a step of a small service skeleton (below) and built
  with cc against libsystemd (its own header where libsystemd-dev is not
  installed: the prototypes, linked with libsystemd.so.0); a line
  `/* in main(): */` ends the part of a fix that goes at file scope;
- the Python fix is the body of a script run by python3; `main()` waits for
  signals, `children` holds the workers it started; python3-systemd's
  `systemd.daemon.notify` is libsystemd's sd_pid_notify() through ctypes
  where that package is not installed.

Every run with a fix must pass its rule, and no other rule may fail or error
(unless RULES lists it with the reason). The run "without the fix" (the
program the rule's bug describes, or the unit without the fixing line) must
fail the rule, so that the pass is the fix's doing; and no other rule may be
worse with the fix than without it (a pass there, a skip or fail here).
"""
import ctypes.util
import glob
import json
import os
import pathlib
import re
import subprocess
import time

C_SKELETON = r"""#define _GNU_SOURCE
/*@HOIST@*/
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>
/*@FILESCOPE@*/
static inline void reload_configuration(void) {}
int main(int argc, char **argv) {
  int foreground = argc > 1 && strcmp(argv[1], "--foreground") == 0;
  pid_t child = 0;
  (void)foreground;
  (void)child;
  if (argc > 1 && strcmp(argv[1], "--check-config") == 0) return CHECK_CONFIG_STATUS;
/*@START@*/
/*@PIDFILE@*/
/*@STARTED@*/
/*@SETUP@*/
/*@CHILD@*/
/*@SIGNALS@*/
/*@READY@*/
/*@LOOP@*/
}
"""

# The signals of the skeleton's main loop, blocked before READY=1 (a SIGHUP
# right after it must not find the default action). The loop: SIGHUP
# reloads, SIGTERM ends it; it wakes every 20 ms, as a busy service does.
C_SIGNALS = """sigset_t handled;
sigemptyset(&handled);
sigaddset(&handled, SIGTERM);
sigaddset(&handled, SIGHUP);
sigprocmask(SIG_BLOCK, &handled, NULL);"""
C_LOOP = """{
  for (;;) {
/*@TICK@*/
    struct timespec tick = {0, 20 * 1000 * 1000};
    int sig = sigtimedwait(&handled, NULL, &tick);
    if (sig == SIGHUP) reload_configuration();
    if (sig == SIGTERM) {
/*@ONTERM@*/
      exit(0);
    }
  }
}"""

# Type=forking: the first process exits once the daemon (its grandchild) has
# written the pidfile (START, then PIDFILE, then STARTED).
C_FORK_START = """int ready[2];
if (pipe(ready) < 0) err(1, "pipe");
if (fork() > 0) {
  char c;
  close(ready[1]);
  _exit(read(ready[0], &c, 1) == 1 ? 0 : 1);
}
close(ready[0]);
if (setsid() < 0) err(1, "setsid");
if (fork() > 0) _exit(0);"""
C_FORK_STARTED = """if (write(ready[1], "", 1) != 1) _exit(1);
close(ready[1]);"""
C_PIDFILE = """{
  FILE *f = fopen("/run/mydaemon.pid", "w");
  if (!f || fprintf(f, "%ld\\n", (long)getpid()) < 0 || fclose(f) != 0) err(1, "pidfile");
}"""

C_READY = 'sd_notify(0, "READY=1");'
# A worker the main process starts: a program of its own (NOTIFY_SOCKET, if
# the main process still has it, is in its environment).
C_WORKER = """child = fork();
if (child < 0) err(1, "fork");
if (child == 0) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execl(WORKER, WORKER, (char *)NULL);
  _exit(127);
}"""
# The same, started as it should be: without NOTIFY_SOCKET.
C_CLEAN_WORKER = C_WORKER.replace("  execl(", '  unsetenv("NOTIFY_SOCKET");\n  execl(')
# The main process tells it is ready once its workers run: a pipe that
# closes when they have called execve() (SETUP, then SIGNALS).
C_EXEC_PIPE = """int execd[2];
if (pipe2(execd, O_CLOEXEC) < 0) err(1, "pipe2");"""
C_EXEC_WAIT = """close(execd[1]);
char execd_byte;
if (read(execd[0], &execd_byte, 1) < 0) err(1, "read");
close(execd[0]);
"""
# A worker that never execs: it dies with the default action of SIGTERM.
C_PAUSING_CHILD = """child = fork();
if (child < 0) err(1, "fork");
if (child == 0) for (;;) pause();"""

# The old way of handling SIGTERM: a flag set by a handler installed with
# glibc's signal(), never read while read() blocks.
C_OLD_SIGTERM_FILESCOPE = """static volatile sig_atomic_t stop;
static void on_term(int s) { (void)s; stop = 1; }"""
C_OLD_SIGTERM_LOOP = """{
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

PY_HEADER = """import signal


def reload_configuration():
    pass


# SIGHUP reloads, from the first moment on (a Type=simple service is started
# as soon as it is forked, and may be sent SIGHUP then)
signal.signal(signal.SIGHUP, lambda signo, frame: reload_configuration())
# what --explain says the Python lines import (daemon: where they use it)
import fcntl, os, pwd, socket, sys
if sys.argv[1:2] == ['--check-config']:
    sys.exit({check_config})
# python3-systemd where installed, otherwise libsystemd through ctypes
sys.path.append({standin!r})
from systemd import daemon as _sd
worker = {worker!r}
children = []


def main():
{main_pre}    while True:
        signal.pause()


{pre}"""

# Type=forking in Python: as C_FORK_START; main() lets the first process go.
PY_FORK_START = """_ready_r, _ready_w = os.pipe()
if os.fork() > 0:
    os.close(_ready_w)
    os._exit(0 if os.read(_ready_r, 1) else 1)
os.close(_ready_r)
os.setsid()
if os.fork() > 0:
    os._exit(0)
"""
PY_FORK_STARTED = "    os.write(_ready_w, b'\\0')\n    os.close(_ready_w)\n"
PY_READY = "    _sd.notify('READY=1')\n"
PY_WORKER = "    import subprocess\n    children.append(subprocess.Popen([worker]))\n"

# libsystemd-dev's header, where it is not installed: the calls the fixes make.
SD_DAEMON_H = """/* <systemd/sd-daemon.h> for the explain tests where libsystemd-dev is not
 * installed: the prototypes of libsystemd.so.0's calls the fixes make. */
#include <stdint.h>
#include <sys/types.h>
int sd_notify(int unset_environment, const char *state);
int sd_pid_notify(pid_t pid, int unset_environment, const char *state);
int sd_notifyf(int unset_environment, const char *format, ...);
int sd_watchdog_enabled(int unset_environment, uint64_t *usec);
"""

# python3-systemd's systemd.daemon.notify, where that package is not installed.
SD_DAEMON_PY = """# systemd.daemon.notify() of python3-systemd, for the explain tests where that
# package is not installed: the same call into libsystemd.
import ctypes

_lib = ctypes.CDLL({lib!r})


def notify(status, unset_environment=False, pid=0, fds=None):
    return _lib.sd_pid_notify(pid, int(bool(unset_environment)), status.encode()) > 0
"""

# How each rule's fixes are run.
#   unit: keys the snippet needs and may not set (added when it does not)
#   c: {slot: code} of the skeleton for every C run of the rule
#   c_slot: the step the C fix goes into (a string, or a list for several)
#   c_bug: {slot: code} instead of the fix in the run without it
#   c_unit: the unit of the C run: "fix" (the snippet, the default) or "bug"
#     (without the fixing line: the program's fix must do it alone)
#   py: "fork" (the script forks as Type=forking wants, the fix writing the
#     pidfile), "worker" (main() starts a worker); main() sends READY=1 for a
#     notify type when the fix does not; py_unit as c_unit
#   bug_unit: (pattern, replacement) on the snippet: the unit without its fix
#   unit_fix: the snippet alone fixes the program's bug (run with the C bug)
#   unit_check: the snippet is run with the C fix and bug_unit must fail then
#   options: daemoncheck options; bug_options: for the runs without the fix
#   may_fail: {(run, rule): why} other rules a run may fail
#   root: the run without the fix needs root
#   slow_bug: why a pass without the fix may be the check's race: run again, twice at most
RULES = {
    "unit-file-valid": {
        "c_slot": "SETUP", "c_bug_mode": 0o644, "py_bug_mode": 0o644,
        "bug_unit": (r"ExecStart=\S+", "ExecStart=mydaemon"), "unit_check": True,
        "py_direct": True,
    },
    "type-matches-behaviour": {
        "c_slot": "START", "c_bug": {"START": 'if (daemon(0, 0) < 0) err(1, "daemon");'},
        "bug_unit": (r" --foreground", ""), "unit_check": True,
        "slow_bug": "Type=simple's start-up ends after a 30 ms quiet window, which a loaded "
                    "machine can spend before the program forks",
    },
    "start-completes": {
        "c_slot": "READY", "c_bug": {"READY": ""}, "check_config": 1,
        "bug_unit": (r"ExecStartPre=-", "ExecStartPre="), "unit_check": True,
        "bug_options": ["--start-timeout", "1"],
    },
    "main-pid-known": {
        "c": {"START": C_FORK_START, "STARTED": C_FORK_STARTED},
        "c_slot": "PIDFILE", "c_bug": {"PIDFILE": ""}, "bug_options": ["--start-timeout", "1"],
        "may_fail": {("python", "pidfile-written-before-exit"):
                     "python-daemon writes the pidfile after its first process exited"},
    },
    "pidfile-written-before-exit": {
        "c_slot": "START",
        "c_bug": {"START": """if (fork() > 0) _exit(0);
if (setsid() < 0) err(1, "setsid");
if (fork() > 0) _exit(0);
usleep(300 * 1000);  /* the first process is long gone */""", "PIDFILE": C_PIDFILE},
    },
    "pidfile-safe": {
        "unit": {"Type": "forking"},
        "c": {"START": C_FORK_START, "STARTED": C_FORK_STARTED},
        "c_slot": "PIDFILE", "py": ["fork"], "root": True, "bug_options": ["--start-timeout", "1"],
        # A link owned by nobody, which systemd refuses to follow.
        "c_bug": {"PIDFILE": """{
  FILE *f = fopen("/run/mydaemon/real.pid", "w");
  if (!f || fprintf(f, "%ld\\n", (long)getpid()) < 0 || fclose(f) != 0) err(1, "pidfile");
  if (symlink("real.pid", "/run/mydaemon/mydaemon.pid") < 0) err(1, "symlink");
  if (lchown("/run/mydaemon/mydaemon.pid", 65534, 65534) < 0) err(1, "lchown");
}"""},
    },
    "notify-access": {
        # After the workers started; the bug: a worker says READY=1 and lives on.
        "c": {"SETUP": C_EXEC_PIPE, "CHILD": C_CLEAN_WORKER, "SIGNALS": C_EXEC_WAIT + C_SIGNALS},
        "c_slot": "READY", "c_unit": "bug",
        "c_bug": {"SETUP": C_SIGNALS, "SIGNALS": "", "READY": "", "CHILD": """child = fork();
if (child < 0) err(1, "fork");
if (child == 0) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  sd_notify(0, "READY=1");
  for (;;) pause();
}"""},
        "bug_unit": (r"^NotifyAccess=all\n?", ""), "unit_fix": True,
        "bug_options": ["--start-timeout", "1"], "py_unit": "bug",
        "may_fail": {("shell", "notify-socket-not-inherited"):
                     "the worker that sends READY=1 needs NOTIFY_SOCKET"},
    },
    "mainpid-valid": {
        "unit": {"Type": "simple"}, "c_slot": "READY",
        "c_bug": {"READY": """child = fork();
if (child == 0) _exit(0);
waitpid(child, NULL, 0);
char msg[64];
snprintf(msg, sizeof msg, "MAINPID=%ld", (long)child);
sd_notify(0, msg);"""},
    },
    "reload-protocol": {
        "c_slot": ["READY", "LOOP"], "c": {"READY": C_READY},
        "c_bug": {}, "py": [], "bug_options": ["--start-timeout", "1"],
    },
    "reload-keeps-service": {
        "unit": {"Type": "simple"}, "c_slot": "LOOP",
        "c_bug": {"LOOP": "for (;;) pause();"},
    },
    "watchdog-kept": {
        "unit": {"Type": "simple"}, "c_slot": "TICK", "c_bug": {"TICK": ""},
    },
    "stop-completes": {
        "unit": {"Type": "simple"}, "c_slot": "LOOP",
        "c_bug": {"LOOP": C_OLD_SIGTERM_LOOP, "FILESCOPE": C_OLD_SIGTERM_FILESCOPE},
        "bug_options": ["--stop-timeout", "1"],
    },
    "clean-exit-status": {
        "unit": {"Type": "simple"}, "c_slot": "ONTERM", "c_unit": "bug",
        "c_bug": {"ONTERM": "exit(143);  /* a JVM's end on SIGTERM */"},
        "bug_unit": (r"^SuccessExitStatus=143\n?", ""), "unit_fix": True, "py_unit": "bug",
    },
    "no-leftover-processes": {
        "unit": {"Type": "simple"}, "c": {"CHILD": C_PAUSING_CHILD},
        "c_slot": "ONTERM", "c_unit": "bug", "c_bug": {"ONTERM": ""}, "py": ["worker"],
        "bug_unit": (r"KillMode=control-group", "KillMode=process"), "unit_fix": True,
        "py_unit": "bug",
    },
    "notify-socket-not-inherited": {
        "c": {"SETUP": C_EXEC_PIPE, "SIGNALS": C_EXEC_WAIT + C_SIGNALS},
        "c_slot": "CHILD", "c_bug": {"CHILD": C_WORKER},
    },
    "stdin-not-tty": {
        "unit": {"Type": "simple"}, "c_slot": "SETUP",
        "bug_unit": (r"StandardInput=null", "StandardInput=tty-force"), "unit_fix": True,
    },
}

# Every Type= but forking: the program stays in the foreground, READY=1 is
# the skeleton's to send for notify types when the fix does not.
NOTIFY_TYPES = ("notify", "notify-reload")
# The types whose start-up ends at the fork: the checker's SIGHUP probe
# (sighup-handled, info in this profile) may come before the program could
# catch it, which is no fault of the fix under test.
STARTED_AT_FORK = ("simple", "exec", "idle")


class ServiceFixes:
    """The runs of one service rule, in its own folder."""

    def __init__(self, runner, catalog, rule):
        self.runner = runner
        self.args = runner.args
        self.work = runner.work
        self.doc = catalog[rule]
        self.rule = rule
        self.spec = RULES[rule]
        self.cards = {}  # run name -> its rules, {id: (status, message, severity)}

    # --- the unit ---------------------------------------------------------

    def unit_text(self, command, variant="fix"):
        """The rule's unit snippet for `command` (a list): "fix" as taught,
        "bug" without the fixing line."""
        text = self.doc["fix_shell"]
        if variant == "bug":
            pattern, repl = self.spec["bug_unit"]
            text, n = re.subn(pattern, repl, text, count=1, flags=re.M)
            if n != 1:
                raise ValueError(f"{self.rule}: the unit snippet has no {pattern!r} to undo")
        program = " ".join(command)
        text = re.sub(r"/usr/(?:local/)?s?bin/mydaemon", lambda m: program, text)
        keys = {m.group(1) for m in re.finditer(r"^([A-Za-z]+)=", text, re.M)}
        added = [f"{k}={v}" for k, v in self.spec.get("unit", {}).items() if k not in keys]
        if "ExecStart" not in keys:
            added.append(f"ExecStart={program}")
        if "[Service]" not in text:
            text = "[Service]\n" + text
        return (f"[Unit]\nDescription={self.rule}: the fix --explain teaches\n\n" + text + "\n" +
                "".join(line + "\n" for line in added))

    def unit_type(self):
        text = self.unit_text(["/p"])
        m = re.search(r"^Type=(\S+)", text, re.M)
        return m.group(1) if m else "simple"

    # --- the C program ----------------------------------------------------

    def c_source(self, with_fix):
        slots = {"LOOP": C_LOOP, "SIGNALS": C_SIGNALS}
        if self.unit_type() in NOTIFY_TYPES:
            slots["READY"] = C_READY
        if self.unit_type() == "forking" and "START" not in self.spec.get("c", {}):
            slots.update(START=C_FORK_START, STARTED=C_FORK_STARTED)
        if self.unit_type() == "forking":
            slots["PIDFILE"] = C_PIDFILE
        slots.update(self.spec.get("c", {}))
        hoist, filescope = [], []
        if with_fix:
            fix = self.doc["fix_c"].replace('"/usr/libexec/mydaemon/worker"', "WORKER").split("\n")
            hoist += [line for line in fix if line.startswith("#")]
            body = [line for line in fix if not line.startswith("#")]
            if "/* in main(): */" in body:
                split = body.index("/* in main(): */")
                filescope += body[:split]
                body = body[split:]
            targets = targets_of(self.spec)
            for t in targets:
                slots[t] = ""
            slots[targets[-1]] = "\n".join(body)
            if self.rule == "pidfile-written-before-exit":
                slots.update(PIDFILE="", STARTED="")
        else:
            bug = dict(self.spec.get("c_bug", {}))
            filescope.append(bug.pop("FILESCOPE", ""))
            if self.rule == "pidfile-written-before-exit":
                slots["STARTED"] = ""
            slots.update(bug)
        if "LOOP" in targets_of(self.spec) if with_fix else "LOOP" in self.spec.get("c_bug", {}):
            slots["SIGNALS"] = ""  # the loop of the fix (or of the bug) sets up its own
        text = C_SKELETON.replace("/*@LOOP@*/", slots.pop("LOOP"))
        for name, code in slots.items():
            text = text.replace(f"/*@{name}@*/", code)
        text = re.sub(r"/\*@[A-Z]+@\*/", "", text.replace("/*@HOIST@*/", "\n".join(hoist), 1)
                      .replace("/*@FILESCOPE@*/", "\n".join(filescope), 1))
        return text

    def build_c(self, name, with_fix):
        src = self.work / f"{name}.c"
        exe = self.work / name
        src.write_text(self.c_source(with_fix))
        cmd = [self.args.cc, "-std=gnu17", "-Wall", "-Werror",
               f'-DWORKER="{self.args.worker}"',
               f"-DCHECK_CONFIG_STATUS={self.spec.get('check_config', 0)}"]
        cmd += libsystemd_flags(self.work) + ["-o", str(exe), str(src)]
        # --as-needed: a program that calls no sd_*() starts without loading it
        cmd += ["-Wl,--as-needed"]
        cmd += ["-lsystemd"] if has_libsystemd_dev() else [f"-l:{libsystemd_name()}"]
        cc = subprocess.run(cmd, capture_output=True, text=True)
        if cc.returncode != 0:
            return None, f"{name}.c does not compile:\n{cc.stderr.strip()[:1500]}"
        mode = self.spec.get("c_bug_mode") if not with_fix else None
        exe.chmod(mode if mode is not None else 0o755)
        return exe, ""

    # --- the Python program -----------------------------------------------

    def python_script(self, name, with_fix=True):
        features = self.spec.get("py", [])
        kind = self.unit_type()
        main_pre, pre = "", ""
        if "fork" in features:
            pre += PY_FORK_START
            main_pre += PY_FORK_STARTED
        if kind in NOTIFY_TYPES and "READY=1" not in self.doc["fix_python"]:
            main_pre += PY_READY
        if "worker" in features:
            main_pre += PY_WORKER
        fix = self.doc["fix_python"].replace("'/usr/libexec/mydaemon/worker'", "worker")
        shebang = ""
        if fix.startswith("#!"):
            shebang, fix = fix.split("\n", 1)
            shebang += "\n"
        text = shebang + PY_HEADER.format(standin=str(python_standin(self.work)),
                                          worker=self.args.worker, main_pre=main_pre,
                                          check_config=self.spec.get("check_config", 0),
                                          pre=pre) + fix + "\n"
        script = self.work / f"{name}.py"
        script.write_text(text)
        mode = self.spec.get("py_bug_mode") if not with_fix else None
        script.chmod(mode if mode is not None else 0o755)
        compiled = subprocess.run([self.args.python, "-m", "py_compile", str(script)],
                                  capture_output=True, text=True)
        if compiled.returncode != 0:
            return None, f"{name}.py does not compile: {compiled.stderr.strip()[:800]}"
        return script, ""

    def python_command(self, script):
        # A script with its own #! line is what ExecStart= names.
        if self.spec.get("py_direct"):
            return [str(script)]
        return [self.args.python, str(script)]

    # --- a run --------------------------------------------------------------

    def run(self, name, unit_text, options=()):
        """Checks the unit; returns the scorecard's rules {id: (status, message,
        severity)}, or a string saying why there is no scorecard. A run whose
        program the SIGHUP probe killed while it was starting is run again once."""
        rules = self.run_once(name, unit_text, options)
        if isinstance(rules, dict) and self.killed_starting(rules):
            print(f"     note: {name}: {rules['sighup-handled'][1]}; the SIGHUP probe came while "
                  "the program was starting: run again", flush=True)
            rules = self.run_once(name, unit_text, options)
        return rules

    def killed_starting(self, rules):
        """Whether the checker's SIGHUP probe (sighup-handled, info here) came
        before the program could catch it: the types of STARTED_AT_FORK are
        started at the fork, a race of the check, not a fault of the fix."""
        status, message, severity = rules.get("sighup-handled", ("", "", ""))
        return (status == "fail" and severity == "info" and "killed by SIGHUP" in message and
                self.unit_type() in STARTED_AT_FORK)

    def run_once(self, name, unit_text, options):
        unit = self.work / f"{name}.service"
        unit.write_text(unit_text)
        card = self.work / f"{name}.json"
        if card.exists():
            card.unlink()
        opts = {"--start-timeout": "3", "--stop-timeout": "2", "--watchdog-usec": "300000"}
        opts.update(zip(options[::2], options[1::2]))
        cmd = [self.args.daemoncheck, "--quiet", "--report-dir", str(self.runner.reports),
               "--json", str(card), "--unit", str(unit)]
        for key, value in opts.items():
            cmd += [key, value]
        started = time.monotonic()
        run = subprocess.run(cmd, env=self.runner.env, capture_output=True, text=True,
                             timeout=120)
        print(f"     {name}: {time.monotonic() - started:.1f} s", flush=True)
        if not card.exists():
            return f"daemoncheck exited {run.returncode}: {run.stderr.strip()}"
        scorecard = json.loads(card.read_text())
        self.cards[name] = {r["id"]: (r["status"], r["message"], r.get("severity"))
                            for r in scorecard["rules"]}
        return self.cards[name]

    def expect_pass(self, tag, name, unit_text):
        """The rule passes, and no other rule fails or errors."""
        rules = self.run(name, unit_text, self.spec.get("options", []))
        if isinstance(rules, str):
            return [f"{tag} {self.rule}: {name}: {rules}"]
        status, message, _ = rules.get(self.rule, ("absent", "not in the scorecard", ""))
        problems = []
        if status != "pass":
            problems.append(f"{tag} {self.rule}: with the fix, {status}: {message}")
        allowed = self.spec.get("may_fail", {})
        for other, (st, msg, severity) in sorted(rules.items()):
            if other == self.rule or st not in ("fail", "error") or (tag, other) in allowed:
                continue
            problems.append(f"{tag} {self.rule}: with the fix, {other} is {st}: {msg}")
        return problems

    def expect_fail(self, tag, name, unit_text):
        """Without the fix, the rule fails: the pass is the fix's doing."""
        options = self.spec.get("options", []) + self.spec.get("bug_options", [])
        rules = self.run(name, unit_text, options)
        if isinstance(rules, str):
            return [f"{tag} {self.rule}: {name}: {rules}"]
        status, message, _ = rules.get(self.rule, ("absent", "not in the scorecard", ""))
        for _ in range(2 if self.spec.get("slow_bug") else 0):
            if status != "pass":
                break
            print(f"     note: {name}: {message}; {self.spec['slow_bug']}: run again", flush=True)
            rules = self.run(name, unit_text, options)
            if isinstance(rules, str):
                return [f"{tag} {self.rule}: {name}: {rules}"]
            status, message, _ = rules.get(self.rule, ("absent", "not in the scorecard", ""))
        if status != "fail":
            return [f"{tag} {self.rule}: without the fix {status}, not fail, so the test with "
                    f"it proves nothing: {message}"]
        return []


# How good a status is, to compare a run with the fix and one without.
RANK = {"pass": 0, "skip": 1, "fail": 2, "error": 2}


def not_worse(s, tag, fixed, broken):
    """No rule but the one under test is worse with the fix than without it
    (a rule the broken program passed is not skipped or failed with the fix)."""
    a, b = s.cards.get(fixed), s.cards.get(broken)
    if not a or not b:
        return []
    problems = []
    for other, (st, msg, _) in sorted(a.items()):
        before = b.get(other, ("skip", "", ""))[0]
        if other == s.rule or RANK[st] <= RANK[before] or (tag, other) in s.spec.get(
                "may_fail", {}):
            continue
        problems.append(f"{tag} {s.rule}: {other} is {st} with the fix but {before} "
                        f"without it: {msg}")
    return problems


def check_c(runner, catalog, rule):
    s = ServiceFixes(runner, catalog, rule)
    problems = []
    exe, why = s.build_c(f"c-{rule}", True)
    if not exe:
        return [f"C {rule}: {why}"]
    unit = s.unit_text([str(exe)], s.spec.get("c_unit", "fix"))
    problems += s.expect_pass("c", f"c-{rule}", unit)
    if "c_bug" not in s.spec and "c_bug_mode" not in s.spec:
        return problems  # the unit is the fix: check_unit runs it without
    if s.spec.get("root") and os.geteuid() != 0:
        print(f"     c-{rule}-without-fix: not run (needs root)")
        return problems
    bug, why = s.build_c(f"c-{rule}-without-fix", False)
    if not bug:
        return problems + [f"C {rule}: {why}"]
    problems += s.expect_fail("c", f"c-{rule}-without-fix",
                              s.unit_text([str(bug)], s.spec.get("c_unit", "fix")))
    problems += not_worse(s, "c", f"c-{rule}", f"c-{rule}-without-fix")
    if s.spec.get("py_bug_mode") is not None:
        script, why = s.python_script(f"py-{rule}-without-fix", with_fix=False)
        if not script:
            return problems + [f"Python {rule}: {why}"]
        problems += s.expect_fail("python", f"py-{rule}-without-fix",
                                  s.unit_text(s.python_command(script)))
    return problems


def check_python(runner, catalog, rule):
    s = ServiceFixes(runner, catalog, rule)
    script, why = s.python_script(f"py-{rule}")
    if not script:
        return [f"Python {rule}: {why}"]
    unit = s.unit_text(s.python_command(script), s.spec.get("py_unit", "fix"))
    return s.expect_pass("python", f"py-{rule}", unit)


def check_unit(runner, catalog, rule):
    """The unit snippet: alone against the program's bug (unit_fix), or with
    the C fix, the unit without its fixing line failing (unit_check); every
    other rule's snippet is run with the C and Python fixes."""
    s = ServiceFixes(runner, catalog, rule)
    if not (s.spec.get("unit_fix") or s.spec.get("unit_check")):
        print(f"     unit-{rule}: run with the C and Python fixes")
        return []
    exe, why = s.build_c(f"unit-{rule}-program", not s.spec.get("unit_fix"))
    if not exe:
        return [f"unit {rule}: {why}"]
    problems = s.expect_pass("shell", f"unit-{rule}", s.unit_text([str(exe)]))
    problems += s.expect_fail("shell", f"unit-{rule}-without-fix",
                              s.unit_text([str(exe)], "bug"))
    problems += not_worse(s, "shell", f"unit-{rule}", f"unit-{rule}-without-fix")
    return problems


def targets_of(spec):
    """The skeleton steps the C fix goes into; the last one gets it."""
    return [spec["c_slot"]] if isinstance(spec["c_slot"], str) else spec["c_slot"]


CHECKS = {"c": check_c, "python": check_python, "shell": check_unit}


def why_not_run(lang, rule):
    """Why a fix of a service rule cannot run here, or None."""
    if not libsystemd_name():
        return "libsystemd.so.0 is not installed"
    return None


# --- libsystemd ---------------------------------------------------------------


def has_libsystemd_dev():
    return pathlib.Path("/usr/include/systemd/sd-daemon.h").exists() and bool(
        glob.glob("/usr/lib/*/libsystemd.so") + glob.glob("/usr/lib/libsystemd.so"))


def libsystemd_name():
    return ctypes.util.find_library("systemd")


def libsystemd_flags(work):
    """-I for <systemd/sd-daemon.h>: libsystemd-dev's, or the prototypes."""
    if has_libsystemd_dev():
        return []
    include = work / "include"
    (include / "systemd").mkdir(parents=True, exist_ok=True)
    (include / "systemd" / "sd-daemon.h").write_text(SD_DAEMON_H)
    return [f"-I{include}"]


def python_standin(work):
    """A folder whose `systemd.daemon` stands in for python3-systemd's (the
    scripts append it to sys.path: an installed python3-systemd comes first)."""
    folder = work / "pylib"
    package = folder / "systemd"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "daemon.py").write_text(SD_DAEMON_PY.format(lib=libsystemd_name()))
    return folder
