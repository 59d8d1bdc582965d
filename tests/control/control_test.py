#!/usr/bin/env python3
"""Integration tests of `daemoncheck control` (label "control"): each runs
the real checker on a real script in scripts/ and reads its scorecard.

    control_test.py TEST --checker PATH --daemonctl PATH --worker PATH
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "scripts")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


# In the environment of every check this test runs, so that leftovers() tells
# its processes from those of other tests running the same programs at once.
TOKEN = "DC_CONTROL_TEST=%d-%d" % (os.getpid(), time.monotonic_ns())


def run(args, opts, script, extra=(), timeout=120):
    env = dict(os.environ, DAEMONCTL=args.daemonctl, DAEMON=args.worker)
    env["DC_CONTROL_TEST"] = TOKEN.split("=", 1)[1]
    cmd = [args.checker, "control", "--quiet", "--json", "-", "--report-dir", args.reports,
           *extra, "--", os.path.join(SCRIPTS, script)]
    print("running: " + " ".join(cmd))
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    return p, time.monotonic() - t0


def card_of(p):
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError:
        fail("no scorecard on stdout; stderr:\n" + p.stderr)


def statuses(card):
    return {r["id"]: r for r in card["rules"]}


def of_this_test(proc_dir):
    """True unless the process's environment shows it belongs to another
    test (one that cannot be read counts as this test's)."""
    try:
        with open(proc_dir + "/environ", "rb") as f:
            env = f.read().split(b"\0")
    except OSError:
        return True
    return TOKEN.encode() in env


def leftovers(marker):
    """Processes of this test's checks whose command line holds marker."""
    out = []
    for d in glob.glob("/proc/[0-9]*"):
        if d == "/proc/%d" % os.getpid():
            continue  # this test's own command line names the worker
        try:
            with open(d + "/cmdline", "rb") as f:
                cmdline = f.read()
            if marker.encode() in cmdline and b"control_test.py" not in cmdline \
                    and of_this_test(d):
                out.append(d)
        except OSError:
            pass
    return out


def assert_nothing_left(args, markers):
    for m in markers:
        if leftovers(m):
            fail("still running after the check: %s (%s)" % (m, leftovers(m)))
    with open("/proc/self/mounts") as f:
        mounts = [line for line in f if "daemoncheck" in line]
    if mounts:
        fail("mounts left: %s" % mounts)


def test_good_daemonctl(args):
    p, secs = run(args, {}, "good-daemonctl",
                  ["--pidfile", "/run/control-test-good.pid", "--actions",
                   "start,stop,status,restart,force-reload,try-restart"])
    card = card_of(p)
    bad = {i: r for i, r in statuses(card).items() if r["status"] not in ("pass", "skip")}
    if bad or p.returncode != 0:
        fail("the good script does not pass every rule (exit %d): %s" %
             (p.returncode, json.dumps(bad, indent=1)))
    skips = sorted(i for i, r in statuses(card).items() if r["status"] == "skip")
    if skips != ["privileges-dropped", "root-directory", "run-stays-in-foreground"]:
        fail("unexpected skips: %s" % skips)
    for must in ("decoy-untouched", "stale-pidfile-safe", "pidfile-locked", "survives-hangup",
                 "status-when-dead", "reload-keeps-pid", "try-restart-when-stopped"):
        if statuses(card)[must]["status"] != "pass":
            fail(must + " did not pass")
    assert_nothing_left(args, [args.worker])
    print("ok: every rule passes in %.2f s" % secs)


def test_in_tmp(args):
    """The script, daemonctl and the daemon all live in a folder of the host's
    /tmp (a project cloned there): the check's fresh /tmp still shows that
    folder, so the good script passes as it does elsewhere, and the folder
    on the host is the same afterwards."""
    import shutil
    import tempfile
    kept = tempfile.mkdtemp(prefix="dc-control-kept-", dir="/tmp")
    try:
        for src in (args.daemonctl, args.worker, os.path.join(SCRIPTS, "good-daemonctl")):
            shutil.copy2(src, kept)
        before = sorted(os.listdir(kept))
        moved = argparse.Namespace(**vars(args))
        moved.daemonctl = os.path.join(kept, os.path.basename(args.daemonctl))
        moved.worker = os.path.join(kept, os.path.basename(args.worker))
        env = dict(os.environ, DAEMONCTL=moved.daemonctl, DAEMON=moved.worker,
                   DC_CONTROL_TEST=TOKEN.split("=", 1)[1])
        cmd = [args.checker, "control", "--quiet", "--json", "-", "--report-dir", args.reports,
               "--pidfile", "/run/control-test-good.pid", "--",
               os.path.join(kept, "good-daemonctl")]
        print("running: " + " ".join(cmd))
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        card = card_of(p)
        bad = {i: r["message"] for i, r in statuses(card).items()
               if r["status"] not in ("pass", "skip")}
        if bad or p.returncode != 0:
            fail("the good script in /tmp does not pass (exit %d): %s" % (p.returncode, bad))
        if kept not in card["isolation"]["kept_from_host"]:
            fail("%s not kept: %s" % (kept, card["isolation"]))
        if sorted(os.listdir(kept)) != before:
            fail("the host's folder changed: %s" % sorted(os.listdir(kept)))
        assert_nothing_left(args, [moved.worker])
        print("ok: the good script in %s passes" % kept)
    finally:
        shutil.rmtree(kept, ignore_errors=True)


def test_ps_grep(args):
    p, _ = run(args, {}, "ps-grep")
    card = card_of(p)
    s = statuses(card)
    for rule in ("decoy-untouched", "status-when-stopped"):
        if s[rule]["status"] != "fail":
            fail("%s is %s, not fail: %s" % (rule, s[rule]["status"], s[rule]["message"]))
    msg = s["decoy-untouched"]["message"]
    if "pager decoy" not in msg or "SIGTERM" not in msg or "ps | grep" not in msg:
        fail("decoy-untouched does not name the signal and its cause: " + msg)
    if p.returncode != 1:
        fail("exit %d, 1 expected" % p.returncode)
    assert_nothing_left(args, [args.worker])
    print("ok: " + msg)


def test_seed_script(args):
    """The seed tutorial's script around its eg_daemon.py (python-daemon)."""
    p, _ = run(args, {}, "../../../cases/seed-init-script/eg_daemon.sh", ["--pidfile", "/var/run/eg_daemon.pid"])
    card = card_of(p)
    s = statuses(card)
    for rule in ("decoy-untouched", "status-when-stopped", "restart-restarts",
                 "bad-action-usage"):
        if s[rule]["status"] != "fail":
            fail("%s is %s, not fail: %s" % (rule, s[rule]["status"], s[rule]["message"]))
    # Its restart starts while the old daemon is still in `ps`: nothing runs
    # after it, so the crash cannot be made (error, never a pass).
    if s["status-when-dead"]["status"] != "error":
        fail("status-when-dead: " + s["status-when-dead"]["message"])
    if s["start-starts"]["status"] != "pass":
        fail("the seed script's start did not start: " + s["start-starts"]["message"])
    msg = s["decoy-untouched"]["message"]
    if "pager decoy" not in msg or "ps | grep" not in msg or "during `stop`" not in msg:
        fail("decoy-untouched does not name the pager, the stop and `ps | grep`: " + msg)
    if p.returncode != 1:
        fail("exit %d, 1 expected" % p.returncode)
    assert_nothing_left(args, ["eg_daemon.py"])
    print("ok: " + msg)


def test_hanging_action(args):
    before = set(glob.glob("/tmp/daemoncheck-control*"))
    p, secs = run(args, {}, "hanging-status", ["--action-timeout", "1"])
    card = card_of(p)
    s = statuses(card)
    r = s["actions-return-promptly"]
    if r["status"] != "fail" or "ran past the 1 s action timeout" not in r["message"]:
        fail("actions-return-promptly: %s %s" % (r["status"], r["message"]))
    # The check went on after the hanging status: the later steps were run.
    if s["stop-stops"]["status"] != "pass" or s["restart-restarts"]["status"] != "pass":
        fail("the check did not go on after the hanging action")
    runs = card["control"]["actions"]
    timed = [a for a in runs if a["timed_out"]]
    if not timed or any(a["action"] != "status" for a in timed):
        fail("the timed-out actions are not the status ones: %s" % timed)
    if any(a["duration_ms"] > 3000 for a in timed):
        fail("a hanging action ran far past its 1 s timeout: %s" % timed)
    assert_nothing_left(args, ["9971", "9972", args.worker])
    if set(glob.glob("/tmp/daemoncheck-control*")) - before:
        fail("a temporary folder was left in /tmp")
    print("ok: %d hanging actions killed at 1 s; whole check %.1f s" % (len(timed), secs))


def test_bad_script(args):
    for script in ("no-such-script", "not-executable"):
        p, _ = run(args, {}, script)
        lines = p.stderr.splitlines()
        if p.returncode != 3 or len(lines) != 1 or script not in lines[0]:
            fail("%s: exit %d, stderr %r (exit 3 and one line expected)" %
                 (script, p.returncode, p.stderr))
        if p.stdout:
            fail("%s: wrote on stdout: %r" % (script, p.stdout))
        print("ok: %s: %s" % (script, lines[0]))


def test_trusting_script(args):
    """The script's `status` removes the stale pidfile after the crash (as
    Debian's memcached script does): the check plants the recycled pid all
    the same, and the script's `start`, which trusts any live pid, fails
    stale-pidfile-safe instead of leaving it unjudged."""
    p, _ = run(args, {}, "trusts-pidfile")
    card = card_of(p)
    s = statuses(card)
    if card["control"]["recycled_pid"] == 0:
        fail("no recycled pid was planted: " + json.dumps(card["control"]["crash"]))
    r = s["stale-pidfile-safe"]
    if r["status"] != "fail" or "no daemon runs" not in r["message"]:
        fail("stale-pidfile-safe is %s: %s" % (r["status"], r["message"]))
    if s["status-when-dead"]["status"] != "pass":
        fail("status-when-dead: " + s["status-when-dead"]["message"])
    assert_nothing_left(args, [args.worker])
    print("ok: " + r["message"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("test")
    ap.add_argument("--checker", required=True)
    ap.add_argument("--daemonctl", required=True)
    ap.add_argument("--worker", required=True)
    ap.add_argument("--reports", required=True)
    args = ap.parse_args()
    os.makedirs(args.reports, exist_ok=True)
    {"good-daemonctl": test_good_daemonctl, "ps-grep": test_ps_grep,
     "hanging-action": test_hanging_action,
     "seed-script": test_seed_script, "bad-script": test_bad_script,
     "trusts-pidfile": test_trusting_script, "in-tmp": test_in_tmp}[args.test](args)


if __name__ == "__main__":
    main()
