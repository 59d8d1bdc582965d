#!/usr/bin/env python3
"""Runs the control rules' shell fixes: whole LSB init scripts made of them.

    control_fixes.py --catalog BIN --daemoncheck BIN --daemonctl BIN
                     --control-daemon BIN --control-worker BIN --work DIR [--rule ID ...]
    control_fixes.py --catalog BIN ... --show start-stop-daemon|daemonctl

A control rule's fix is an arm of an init script's `case "$1" in`, not a
daemon: it runs only inside a whole script, under `daemoncheck control`. So
the arms of every control rule's fix are put together into two scripts:

- start-stop-daemon: each fix's own lines, around a daemon that detaches,
  writes and locks the pidfile it is given with --pidfile, and stays in the
  foreground with --foreground (the reference's example-daemon);
- daemonctl: each fix's `# or:` lines (or its own lines when it has none and
  they do not call start-stop-daemon), around a plain program that stays in
  the foreground (the cases' plain-worker).

Arms for the same action must be the same command in every fix that gives
one (comments aside): a learner who copies two fixes gets one script. Each
script is checked with the actions it has arms for; the rule under test must
pass and no rule may fail, and nothing of the check may be left running.
Then the rule's arm is swapped for the broken one of a case that fails it
(BROKEN), and the rule must fail: the pass is the arm's doing.

Used by run_fixes.py for the shell fix of each control rule (ctest -L explain);
standalone, --show prints a composed script.
"""
import argparse
import glob
import json
import os
import pathlib
import re
import subprocess
import sys

RULES = ("status-when-stopped", "start-starts", "start-when-running", "stop-stops",
         "stop-when-stopped", "decoy-untouched", "restart-restarts", "status-when-dead",
         "stale-pidfile-safe", "bad-action-usage", "actions-return-promptly",
         "run-stays-in-foreground", "reload-keeps-pid", "try-restart-when-stopped")

SSD = "/sbin/start-stop-daemon"
FLAVOURS = ("start-stop-daemon", "daemonctl")

# The order of the arms in a script; `*)` must come last.
ARM_ORDER = ("start", "stop", "restart", "try-restart", "reload", "force-reload", "status",
             "run", "*")
# What daemoncheck runs whatever --actions says; a script must have arms for them.
ALWAYS = ("start", "stop", "status", "restart")
OPTIONAL = ("reload", "force-reload", "try-restart", "run")

HEADER = """#!/bin/sh
### BEGIN INIT INFO
# Provides:          {name}
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: the {flavour} fixes of `daemoncheck --explain`, put together
### END INIT INFO
PATH={path}
DAEMON={daemon}
PIDFILE={pidfile}

case "$1" in
"""

# A never-installed path: the guard of cases/test-x-exit-0, which makes an arm
# exit 0 having done nothing.
_NOT_THERE = "/usr/sbin/daemoncheck-not-installed"

# rule -> (action, {flavour: arm}, the case whose mistake the arm is): an arm
# that fails the rule whatever the timing (a `stop` that does not wait races
# with the daemon's exit, so stop-stops and restart-restarts take the
# do-nothing guard instead). Only required rules, where one arm decides.
BROKEN = {
    "status-when-stopped": ("status", {
        "start-stop-daemon": 'status) if start-stop-daemon --status --pidfile "$PIDFILE" '
                             '--exec "$DAEMON"; then echo running; else echo stopped; fi ;;',
        "daemonctl": 'status) if daemonctl status --pidfile "$PIDFILE" >/dev/null; '
                     'then echo running; else echo stopped; fi ;;'}, "status-always-0"),
    "start-starts": ("start", f"start) test -x {_NOT_THERE} || exit 0 ;;", "test-x-exit-0"),
    "start-when-running": ("start", {
        "start-stop-daemon": 'start) start-stop-daemon --start --pidfile "$PIDFILE" '
                             '--exec "$DAEMON" -- --pidfile "$PIDFILE" ;;',
        "daemonctl": 'start) exec daemonctl start --pidfile "$PIDFILE" -- "$DAEMON" ;;'},
        "start-not-lsb"),
    "stop-stops": ("stop", f"stop) test -x {_NOT_THERE} || exit 0 ;;", "test-x-exit-0"),
    "stop-when-stopped": ("stop", 'stop) kill $(cat "$PIDFILE") ;;', "kill-cat-pidfile"),
    "decoy-untouched": ("stop", 'stop) pids=$(pgrep -f "$DAEMON") || exit 0; kill $pids ;;',
                        "pgrep-f-script"),
    "restart-restarts": ("restart", f"restart) test -x {_NOT_THERE} || exit 0 ;;",
                         "test-x-exit-0"),
    "stale-pidfile-safe": ("stop", 'stop) kill $(cat "$PIDFILE") ;;', "kill-cat-pidfile"),
    "run-stays-in-foreground": ("run", 'run) exec "$0" start ;;', "aliased-actions"),
    "reload-keeps-pid": ("reload", {
        "start-stop-daemon": 'reload) start-stop-daemon --stop --signal HUP --retry 1 '
                             '--pidfile "$PIDFILE" --exec "$DAEMON" ;;',
        "daemonctl": 'reload) daemonctl stop --pidfile "$PIDFILE" && exec daemonctl start '
                     '--lsb --pidfile "$PIDFILE" -- "$DAEMON" ;;'}, "reload-with-retry"),
    "try-restart-when-stopped": ("try-restart", 'try-restart) exec "$0" restart ;;',
                                 "aliased-actions"),
}

_ARM_START = re.compile(r"^([a-z*][a-z*| -]*)\)(\s|$)")
_TRAILING_COMMENT = re.compile(r"\s+#\s.*$")
_OR_LINE = re.compile(r"^#\s*or:\s*(.*)$")


def variant(fix, flavour):
    """The lines of fix that go into the flavour's script, or None: the
    daemonctl script takes the `# or:` lines, or the fix's own lines when it
    has none and they do not call start-stop-daemon."""
    own, alternatives = [], []
    for line in fix.split("\n"):
        m = _OR_LINE.match(line)
        (alternatives if m else own).append(m.group(1) if m else line)
    if flavour == "start-stop-daemon":
        return own
    if alternatives:
        return alternatives
    code = [_TRAILING_COMMENT.sub("", line) for line in own if not line.startswith("#")]
    return None if any("start-stop-daemon" in line for line in code) else own


def code_of(lines):
    """The arm without its comments, its whitespace collapsed: what must be
    the same in every fix that gives an arm for one action."""
    code = [_TRAILING_COMMENT.sub("", line) for line in lines if not line.lstrip().startswith("#")]
    return " ".join(" ".join(code).split())


def parse_arms(lines):
    """[(actions, arm lines)] of the case arms in lines (comment lines just
    above an arm go with it), and the lines that are in no arm."""
    arms, stray, comments, current = [], [], [], None
    for line in lines:
        if current is None:
            if not line.strip():
                continue
            if line.startswith("#"):
                comments.append(line)
                continue
            m = _ARM_START.match(line)
            if not m:
                stray.append(line)
                comments = []
                continue
            actions = [a.strip() for a in m.group(1).split("|")]
            current = (actions, comments + [line])
            comments = []
        else:
            current[1].append(line)
        if _TRAILING_COMMENT.sub("", current[1][-1]).rstrip().endswith(";;"):
            arms.append(current)
            current = None
    if current is not None:
        stray += current[1]
    return arms, stray


class Composed:
    """One flavour's script: the arm of each action and the rules whose fix
    gave it, or why the fixes do not make a script."""

    def __init__(self, catalog, flavour):
        self.flavour = flavour
        self.arms = {}  # action -> arm lines
        self.given_by = {}  # action -> [rules]
        self.rules = []  # the rules whose fix is in the script
        self.left_out = {}  # rule -> why its fix is not in it
        self.problems = []
        for rule in RULES:
            lines = variant(catalog[rule]["fix_shell"], flavour)
            if lines is None:
                self.left_out[rule] = "it has no line for this script"
                continue
            arms, stray = parse_arms(lines)
            if stray:
                self.problems.append(f"{rule}: not a case arm (`ACTION) ... ;;`): {stray[0]}")
            if not arms:
                self.left_out[rule] = "its fix is only a comment"
                continue
            for actions, arm in arms:
                self.add(rule, actions, arm)
            self.rules.append(rule)
        for action in ALWAYS + ("*",):
            if action not in self.arms:
                self.problems.append(f"no fix gives an arm for `{action}`")

    def add(self, rule, actions, arm):
        for action in actions:
            if action not in ARM_ORDER:
                self.problems.append(f"{rule}: `{action})` is no action of the LSB table")
                return
        key = actions[0]
        if key in self.arms:
            if code_of(self.arms[key]) != code_of(arm):
                first = self.given_by[key][0]
                self.problems.append(
                    f"{rule} and {first} give different `{key})` arms; a script holds one:\n"
                    f"  {rule}: {code_of(arm)}\n  {first}: {code_of(self.arms[key])}")
                return
            self.given_by[key].append(rule)
            return
        self.arms[key] = arm
        self.given_by[key] = [rule]

    def actions(self):
        return [a for a in ALWAYS + OPTIONAL if a in self.arms]

    def script(self, daemon, pidfile, path, replace=None):
        """The script's text; replace: (action, arm) swapped in."""
        arms = dict(self.arms)
        given_by = dict(self.given_by)
        if replace:
            arms[replace[0]] = [replace[1]]
            given_by[replace[0]] = ["a case that fails it"]
        text = HEADER.format(name=pathlib.Path(daemon).name, flavour=self.flavour, path=path,
                             daemon=daemon, pidfile=pidfile)
        for action in ARM_ORDER:
            if action not in arms:
                continue
            text += f"  # from: {', '.join(given_by[action])}\n"
            text += "".join(f"  {line}\n" for line in arms[action])
        return text + "esac\n"


def composed_scripts(catalog):
    return {flavour: Composed(catalog, flavour) for flavour in FLAVOURS}


def why_not_run(args, rule, catalog):
    """Why rule's shell fix cannot run here, or None."""
    composed = composed_scripts(catalog)
    runnable = [f for f in FLAVOURS if rule in composed[f].rules and not missing(args, f)]
    if runnable:
        return None
    reasons = {f: composed[f].left_out.get(rule) or missing(args, f) for f in FLAVOURS}
    return "; ".join(f"{f} script: {why}" for f, why in reasons.items())


def missing(args, flavour):
    """What the flavour's script needs that is not here, or ""."""
    needs = {"start-stop-daemon": [("start-stop-daemon", SSD),
                                   ("--control-daemon", args.control_daemon)],
             "daemonctl": [("--daemonctl", args.daemonctl),
                           ("--control-worker", args.control_worker)]}[flavour]
    for name, path in needs:
        if not path or not os.access(path, os.X_OK):
            return f"{name} is not installed"
    return ""


class Check:
    """`daemoncheck control` on the flavour's script, in work."""

    def __init__(self, args, env, work, flavour, tag):
        self.args = args
        self.env = env
        self.work = pathlib.Path(work)
        self.flavour = flavour
        # Unique in every command line of the check (the pidfile is in the
        # check's private /run): what is left of it can be found afterwards.
        self.pidfile = f"/run/explain-{tag}.pid"
        self.daemon = str(pathlib.Path(args.control_daemon if flavour == "start-stop-daemon"
                                       else args.control_worker).resolve())
        path = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        if flavour == "daemonctl":
            path.insert(0, str(pathlib.Path(args.daemonctl).resolve().parent))
        self.path = ":".join(path)

    def run(self, composed, name, replace=None):
        """The scorecard's rules {id: rule}, or a problem (str)."""
        script = self.work / f"{name}.sh"
        script.write_text(composed.script(self.daemon, self.pidfile, self.path, replace))
        script.chmod(0o755)
        card = self.work / f"{name}.json"
        if card.exists():
            card.unlink()
        cmd = [self.args.daemoncheck, "control", "--quiet", "--json", str(card),
               "--report-dir", str(self.work / "reports"), "--pidfile", self.pidfile,
               "--actions", ",".join(composed.actions()), "--", str(script)]
        run = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=300)
        left = self.left_running()
        if left:
            return f"{script}: the check left processes running: {left}"
        if not card.exists():
            return f"{script}: daemoncheck exited {run.returncode}: {run.stderr.strip()}"
        return {r["id"]: r for r in json.loads(card.read_text())["rules"]}

    def left_running(self):
        out = []
        for d in glob.glob("/proc/[0-9]*"):
            try:
                cmdline = pathlib.Path(d, "cmdline").read_bytes()
            except OSError:
                continue
            if self.pidfile.encode() in cmdline:
                words = cmdline.replace(b"\0", b" ").decode(errors="replace")
                out.append(f"{d[6:]} {words}")
        return out


def check_rule(args, env, work, catalog, rule):
    """Problems with rule's shell fix (an empty list when it works)."""
    problems = []
    for flavour, composed in composed_scripts(catalog).items():
        if rule not in composed.rules or missing(args, flavour):
            continue
        where = f"shell {rule} ({flavour} script)"
        if composed.problems:
            problems += [f"{where}: the fixes do not make a script: {p}"
                         for p in composed.problems]
            continue
        check = Check(args, env, work, flavour, f"{flavour}-{rule}")
        rules = check.run(composed, f"control-{flavour}")
        if isinstance(rules, str):
            problems.append(f"{where}: {rules}")
            continue
        if rules[rule]["status"] != "pass":
            problems.append(f"{where}: {rules[rule]['status']}: {rules[rule]['message']}")
        for r in rules.values():
            if r["status"] in ("fail", "error"):
                problems.append(f"{where}: the script fails {r['id']} ({r['status']}): "
                                f"{r['message']}")
        if rule in BROKEN:
            problems += check_broken(check, composed, rule, where)
    return problems


def check_broken(check, composed, rule, where):
    """With its arm swapped for a case's broken one, rule must fail."""
    action, arms, case = BROKEN[rule]
    arm = arms[check.flavour] if isinstance(arms, dict) else arms
    rules = check.run(composed, f"control-{check.flavour}-broken", (action, arm))
    if isinstance(rules, str):
        return [f"{where}, broken `{action})` of cases/{case}: {rules}"]
    if rules[rule]["status"] != "fail":
        return [f"{where}: with the broken `{action})` arm of cases/{case} ({arm}) the rule is "
                f"{rules[rule]['status']}, not fail, so its pass proves nothing: "
                f"{rules[rule]['message']}"]
    return []


def environment(args):
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    return env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", required=True)
    ap.add_argument("--daemoncheck")
    ap.add_argument("--daemonctl")
    ap.add_argument("--control-daemon", help="a daemon that takes --pidfile and --foreground")
    ap.add_argument("--control-worker", help="a plain program that stays in the foreground")
    ap.add_argument("--work")
    ap.add_argument("--rule", action="append", choices=RULES, help="default: every rule")
    ap.add_argument("--show", choices=FLAVOURS, help="print the flavour's script and exit")
    args = ap.parse_args()
    catalog = {r["id"]: r for r in json.loads(subprocess.run(
        [args.catalog], capture_output=True, text=True, check=True).stdout)}
    if args.show:
        composed = Composed(catalog, args.show)
        check = Check(args, {}, ".", args.show, args.show)
        print(composed.script(check.daemon, "/run/daemon.pid", check.path), end="")
        for p in composed.problems:
            print(p, file=sys.stderr)
        return 1 if composed.problems else 0
    if not (args.daemoncheck and args.work):
        ap.error("--daemoncheck and --work are needed to run the fixes")
    problems = []
    for rule in args.rule or RULES:
        why = why_not_run(args, rule, catalog)
        if why:
            print(f"skip {rule}: {why}")
            continue
        work = pathlib.Path(args.work) / rule
        work.mkdir(parents=True, exist_ok=True)
        found = check_rule(args, environment(args), work, catalog, rule)
        print(f"{'FAIL' if found else 'ok  '} {rule}", flush=True)
        problems += found
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
