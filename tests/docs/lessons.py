#!/usr/bin/env python3
"""Checks that the lessons of cases/ are true (label "docs").

  lessons.py build-lines --source S --build B
      every case README's "See it" block builds with one line, cmake --build
      build --target TARGET..., and every target it names is one of this build.
  lessons.py readme --source S --build B --case NAME
      runs the case README's "See it" commands exactly as written, with /bin/sh,
      from a view of the repository root whose build/ is B, and requires every
      line the README shows under "What the scorecard says" in the output (the
      matching rule is at the top of cases/README.md), and every line the output
      has with a status other than pass or skip to be shown (unless case.json
      calls that rule racy, "fail|pass"), and every skipped rule to be listed
      with its reason below the scorecard block.
  lessons.py suggest --source S --build B --case NAME
      runs the README's commands once and prints the lines it could show (what
      is not pass or skip, and the verdict), with `…` where runs differ.
  lessons.py fix --source S --build B --case NAME --daemoncheck D [--bin N=P]
      applies the case's fix.patch to a copy of the case (patch -p1), builds it
      when the case is C, runs daemoncheck on the original and on the fixed
      case with the case's own options, and requires every rule the case
      teaches to pass in the fixed one and no rule to get worse. Also requires
      the README's fix block to add and remove the very lines the patch does.

Exit 0 when the lesson holds, 1 when it does not, 2 on bad input.
"""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile

SCORE_LINE = re.compile(r"^(✓|✗|!|~|-|\?) +(\w+) +(\w+) +(\S+)(?: +(.*))?$")


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def bad_input(msg):
    print("lessons.py: " + msg, file=sys.stderr)
    sys.exit(2)


def sections(readme_text):
    """{heading: body} of the README's "## " sections."""
    out, name = {}, None
    for line in readme_text.splitlines():
        if line.startswith("## "):
            name = line[3:].strip()
            out[name] = []
        elif name is not None:
            out[name].append(line)
    return out


def fenced_blocks(lines, lang=None):
    """The fenced code blocks of `lines` (with the given info string, if any)."""
    blocks, current, info = [], None, None
    for line in lines:
        if line.startswith("```"):
            if current is None:
                current, info = [], line[3:].strip()
            else:
                if lang is None or info == lang:
                    blocks.append(current)
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def read_case(source, name):
    folder = os.path.join(source, "cases", name)
    try:
        with open(os.path.join(folder, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        with open(os.path.join(folder, "case.json"), encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        bad_input(f"case {name}: {e}")
    return folder, readme, manifest


def see_it_lines(name, readme):
    """The commands of the "See it" block: (build lines, other lines)."""
    blocks = fenced_blocks(sections(readme).get("See it", []), "sh")
    if len(blocks) != 1:
        fail(f"{name}: README.md's \"See it\" section must hold exactly one ```sh block")
    build, run = [], []
    for line in blocks[0]:
        if line.startswith("cmake --build build"):
            build.append(line)
        elif line.strip():
            run.append(line)
    if not run:
        fail(f"{name}: README.md's \"See it\" block runs nothing")
    return build, run


def root_view(source, build):
    """A directory that looks like the repository root after the README's
    build: every entry of the source tree, and build/ pointing at `build`.
    The reports daemoncheck writes (reports/) stay in it. It is made in the
    build folder: a control check gives its scripts a private, empty /tmp."""
    view = tempfile.mkdtemp(prefix="lessons-", dir=os.path.abspath(build))
    for entry in os.listdir(source):
        if entry in ("build", "reports") or entry.startswith("."):
            continue
        os.symlink(os.path.join(os.path.abspath(source), entry), os.path.join(view, entry))
    os.symlink(os.path.abspath(build), os.path.join(view, "build"))
    return view


def raise_core_limit():
    """As `ulimit -c unlimited` in the launching shell (the case driver does the
    same): a daemon that never lowers it fails core-dumps-disabled."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        old = os.environ.get(var)
        os.environ[var] = (old + ":" if old else "") + "disable_coredump=0"


# --- build-lines ------------------------------------------------------------


def build_targets(build):
    """The target names of the build folder: make's help target, or ninja's."""
    r = subprocess.run(["cmake", "--build", build, "--target", "help"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    names = {line[4:].split()[0] for line in r.stdout.splitlines() if line.startswith("... ")}
    if not names:
        r = subprocess.run(["ninja", "-C", build, "-t", "targets", "all"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        names = {line.split(":")[0] for line in r.stdout.splitlines() if ": phony" in line}
    if not names:
        bad_input(f"cannot list the targets of {build}")
    return names


def cmd_build_lines(args):
    targets = []
    cases = sorted(d for d in os.listdir(os.path.join(args.source, "cases"))
                   if os.path.exists(os.path.join(args.source, "cases", d, "case.json")))
    for name in cases:
        _, readme, _ = read_case(args.source, name)
        build, run = see_it_lines(name, readme)
        if len(build) != 1:
            fail(f"{name}: the \"See it\" block must build with one cmake --build line")
        words = build[0].split()
        if words[:4] != ["cmake", "--build", "build", "--target"] or len(words) < 5:
            fail(f"{name}: \"{build[0]}\" is not cmake --build build --target TARGET...")
        targets += [t for t in words[4:] if t not in targets]
        # A learner starts from a configured, unbuilt tree: every program the
        # commands run from build/ must come from a target the line builds
        # (target NAME or case-NAME makes .../NAME).
        for path in re.findall(r"build/[\w/.-]+", "\n".join(run)):
            if path.endswith(".service"):
                continue  # a unit file: configure_file made it, no target builds it
            exe = os.path.basename(path)
            if exe not in words[4:] and "case-" + exe not in words[4:]:
                fail(f"{name}: the \"See it\" commands run {path}, which its build line "
                     f"does not build (no target {exe} or case-{exe})")
    # The tests run after the build, so the lines are not run again (make
    # would re-check the whole tree for each of them): each target they name
    # must be a target of this build.
    known = build_targets(args.build)
    missing = [t for t in targets if t not in known]
    if missing:
        fail("README build lines name targets this build does not have: " + " ".join(missing))
    print(f"ok: {len(cases)} README build lines, {len(targets)} targets: " + " ".join(targets))
    return 0


# --- readme -----------------------------------------------------------------


def normalize(line):
    return " ".join(line.split())


def shown_pattern(shown):
    """A shown line as a regular expression: `…` stands for any text (the
    message goes on, or a pid, a time, a temporary path); runs of blanks match
    runs of blanks; everything else is literal."""
    parts = [re.escape(p) for p in normalize(shown).split("…")]
    return re.compile("^" + ".*".join(parts) + "$")


def scorecard_lines(name, readme):
    blocks = fenced_blocks(sections(readme).get("What the scorecard says", []))
    shown = [line for block in blocks for line in block if line.strip()]
    if not shown:
        fail(f"{name}: README.md shows no scorecard line")
    return shown


def racy_rules(manifest):
    return {rule for rule, st in manifest.get("expect", {}).items() if "|" in st}


def run_see_it(args, name, readme):
    """Runs the README's "See it" commands, as written, with /bin/sh, from a
    view of the repository root."""
    _, run = see_it_lines(name, readme)
    script = "\n".join(run) + "\n"
    print("+ sh, from the repository root:\n" + script)
    # A sanitizer build of daemoncheck would lower its own core limit to 0 at
    # startup, and its targets would inherit that (the case driver does the same).
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        old = os.environ.get(var)
        os.environ[var] = (old + ":" if old else "") + "disable_coredump=0"
    view = root_view(args.source, args.build)
    try:
        return subprocess.run(["/bin/sh", "-c", script], cwd=view, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=120)
    finally:
        shutil.rmtree(view, ignore_errors=True)


def cmd_suggest(args):
    """Prints the lines a README could show for one run of its commands."""
    _, readme, manifest = read_case(args.source, args.case)
    r = run_see_it(args, args.case, readme)
    print("\n".join(suggest_lines(r.stdout.splitlines(), racy_rules(manifest))))
    return 0


def listed_skips(readme):
    """The README's "- `rule`, `rule`: reason" lines under "What the scorecard
    says" (outside its code blocks): {rule: reason}."""
    listed, fenced = {}, False
    for line in sections(readme).get("What the scorecard says", []):
        if line.startswith("```"):
            fenced = not fenced
            continue
        m = None if fenced else re.match(r"^- ((?:`[a-z-]+`(?:, )?)+): (.*)$", line)
        if m:
            for rule in re.findall(r"`([a-z-]+)`", m.group(1)):
                listed[rule] = m.group(2)
    return listed


def check_skips(readme, out, racy):
    """Every rule the run skips is listed with the beginning of its reason, and
    every listed rule is skipped."""
    listed, printed, problems = listed_skips(readme), {}, []
    for o in out:
        m = SCORE_LINE.match(o)
        if m and m.group(2) == "skip":
            printed[m.group(4)] = m.group(5) or ""
    for rule in sorted(set(listed) | set(printed)):
        if rule in racy:
            continue
        if rule not in printed:
            problems.append(f"listed as skip but not skipped: {rule}")
        elif rule not in listed:
            problems.append(f"skipped but not listed: {rule}: {printed[rule]}")
        elif not printed[rule].startswith(listed[rule]):
            problems.append(f"skipped for another reason: {rule}: {printed[rule]}")
    return problems


def cmd_readme(args):
    name = args.case
    _, readme, manifest = read_case(args.source, name)
    shown = scorecard_lines(name, readme)
    r = run_see_it(args, name, readme)
    out = r.stdout.splitlines()
    problems = []
    if r.returncode not in (0, 1):
        problems.append(f"the commands exited {r.returncode} (daemoncheck: 0 pass, 1 fail)")
    patterns = [(line, shown_pattern(line)) for line in shown]
    # Where the hard core limit is 0, no shell can raise it, and every daemon
    # has RLIMIT_CORE 0: a shown core-dumps-disabled failure cannot appear.
    no_core = resource.getrlimit(resource.RLIMIT_CORE)[1] == 0 and any(
        "core-dumps-disabled" in line.split() for line in shown)
    for line, pat in patterns:
        if not any(pat.match(normalize(o)) for o in out):
            if no_core and ("core-dumps-disabled" in line.split() or line.startswith("verdict:")):
                print("note: the hard RLIMIT_CORE is 0, so this line cannot be as shown: " + line)
                continue
            problems.append("shown but not printed: " + line)
    racy = racy_rules(manifest)
    for o in out:
        m = SCORE_LINE.match(o)
        if not m or m.group(2) in ("pass", "skip") or m.group(4) in racy:
            continue
        if not any(pat.match(normalize(o)) for _, pat in patterns):
            problems.append("printed but not shown: " + o)
    problems += check_skips(readme, out, racy)
    if problems:
        print("--- output ---\n" + r.stdout + "--- stderr ---\n" + r.stderr)
        fail(f"{name}: README.md says what the run does not:\n  " + "\n  ".join(problems))
    print(f"ok {name}: {len(shown)} shown lines printed, exit {r.returncode}")
    return 0


# What changes from run to run, and the rules whose wording is being reworked
# (shown up to their first colon): `suggest` writes `…` there.
RUN_SPECIFIC = [
    (re.compile(r"/tmp/daemoncheck-[^/\s)]+"), "…"),
    (re.compile(r"\b(pids?|sid|session) \d+(( \([^)]*\))?, \d+)*"), r"\1 …"),
    (re.compile(r"pipe:\[\d+\]"), "pipe:[…]"),
    (re.compile(r"(tty_nr |/dev/pts/)\d+"), r"\1…"),
    # race-free-startup: how many trials, and how each one died
    (re.compile(r"\bin \d+ of \d+ trials (where [^(]*)\(.*$"), r"in … of … trials \1…"),
    # sighup-handled: how the daemon ended
    (re.compile(r"did not survive SIGHUP \(.*$"), "did not survive SIGHUP …"),
    (re.compile(r"\d+(\.\d+)? (ms|s)\b"), "…"),
    (re.compile(r"…( …)+"), "…"),
]
CUT_AT_COLON = {"parent-exits", "double-fork", "inherited-fds-closed", "sigterm-exits",
                "race-free-startup", "core-dumps-disabled", "single-instance",
                "sighup-handled", "stays-in-foreground", "second-instance-reports-failure"}


def suggest_lines(out, racy):
    """The lines a README shows for this output: every line whose status is not
    pass or skip, and the verdict, with `…` where runs differ."""
    shown = []
    for o in out:
        m = SCORE_LINE.match(o)
        if m and m.group(2) not in ("pass", "skip") and m.group(4) not in racy:
            line = o
            if m.group(4) in CUT_AT_COLON and ": " in (m.group(5) or ""):
                line = o[:o.index(": ", o.index(m.group(4)) + len(m.group(4)))] + ": …"
            for pat, rep in RUN_SPECIFIC:
                line = pat.sub(rep, line)
            shown.append(line)
        elif o.startswith("verdict: "):
            shown.append(re.sub(r" in [\d.]+ m?s$", " in …", o))
    return shown


# --- fix --------------------------------------------------------------------

# Worse is a higher number: pass, then skip (does not apply), then the rest.
ORDER = {"pass": 0, "skip": 1, "waived": 2, "fail": 3, "error": 3}


def changed_lines(diff_lines):
    """The removed and added lines of a diff, in order (headers skipped)."""
    out = []
    for line in diff_lines:
        if re.match(r"^(---|\+\+\+) [ab]/", line):
            continue
        if line.startswith(("+", "-")):
            out.append(line.rstrip())
    return out


def check_readme_fix(name, readme, patch_text):
    blocks = fenced_blocks(sections(readme).get("The fix", []), "diff")
    if not blocks:
        fail(f"{name}: README.md's \"The fix\" shows no ```diff block")
    shown = changed_lines([line for block in blocks for line in block])
    applied = changed_lines(patch_text.splitlines())
    if shown != applied:
        print("README.md's fix changes:\n  " + "\n  ".join(shown))
        print("fix.patch changes:\n  " + "\n  ".join(applied))
        fail(f"{name}: the README's fix is not fix.patch (compare the lines above)")


def expand(words, build, source, bins):
    out = []
    for w in words:
        w = w.replace("{BUILD}", build).replace("{SOURCE}", source).replace("{TMP}", "{tmp}")
        for b, path in bins.items():
            w = w.replace("{BIN:" + b + "}", path)
        if re.search(r"{[A-Z]+(:[^}]*)?}", w):
            bad_input(f"unknown token in {w}")
        out.append(w)
    return out


def score(daemoncheck, manifest, build, source, bins, report_dir):
    options = expand(manifest.get("options", []), build, source, bins)
    # A manifest whose options begin with a subcommand ("control") runs it.
    sub = [options.pop(0)] if options[:1] == ["control"] else []
    cmd = [daemoncheck] + sub + ["--quiet", "--json", "-", "--report-dir", report_dir]
    cmd += options
    command = expand(manifest["command"], build, source, bins)
    cmd += ["--"] + command if command else []  # --unit: the unit gives the command
    print("+ " + " ".join(cmd))
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=180)
    if r.returncode not in (0, 1):
        print(r.stderr)
        fail(f"daemoncheck exited {r.returncode}")
    card = json.loads(r.stdout)
    return {rule["id"]: (rule["status"], rule.get("message", "")) for rule in card["rules"]}


def build_fixed_c(folder, common, out_dir, name, cc):
    os.makedirs(out_dir, exist_ok=True)
    exe = os.path.join(out_dir, name)
    cmd = [cc, "-O1", "-Wall", "-Wextra", "-Werror", "-I", common, "-o", exe,
           os.path.join(folder, "main.c"), os.path.join(common, "daemon_steps.c")]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        print(r.stdout)
        fail(f"{name}: the fixed main.c does not build")


def configure_units(fixed, out_dir, source, build):
    """As configure_file(NAME.service.in NAME.service @ONLY) does for the fixed
    case: its units name the fixed program (@CMAKE_CURRENT_BINARY_DIR@) and the
    fixed scripts (@CMAKE_CURRENT_SOURCE_DIR@)."""
    values = {"CMAKE_CURRENT_SOURCE_DIR": fixed, "CMAKE_CURRENT_BINARY_DIR": out_dir,
              "PROJECT_SOURCE_DIR": os.path.abspath(source), "PROJECT_BINARY_DIR": build}
    for entry in os.listdir(fixed):
        if not entry.endswith(".service.in"):
            continue
        with open(os.path.join(fixed, entry), encoding="utf-8") as f:
            text = f.read()
        for var in set(re.findall(r"@([A-Za-z_]+)@", text)):
            if var not in values:
                bad_input(f"{entry}: unknown placeholder @{var}@")
            text = text.replace("@" + var + "@", values[var])
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, entry[:-len(".in")]), "w", encoding="utf-8") as f:
            f.write(text)


def fixed_build_tree(build, work, name):
    """A build folder for the fixed case: cases/NAME/ is the fixed build, every
    other entry of cases/ (common/plain-worker) is the real build's."""
    tree = os.path.join(work, "build")
    os.makedirs(os.path.join(tree, "cases"))
    for entry in os.listdir(os.path.join(build, "cases")):
        if entry != name:
            os.symlink(os.path.join(build, "cases", entry), os.path.join(tree, "cases", entry))
    for entry in os.listdir(build):
        if entry != "cases":
            os.symlink(os.path.join(build, entry), os.path.join(tree, entry))
    return tree


def cmd_fix(args):
    name = args.case
    folder, readme, manifest = read_case(args.source, name)
    if not manifest.get("expect"):
        fail(f"{name}: passes every rule; a fix test is for failing cases")
    patch_path = os.path.join(folder, "fix.patch")
    if not os.path.exists(patch_path):
        fail(f"{name}: a failing case carries its fix: no {patch_path}")
    with open(patch_path, encoding="utf-8") as f:
        patch_text = f.read()
    check_readme_fix(name, readme, patch_text)

    bins = dict(b.split("=", 1) for b in args.bin)
    build = os.path.abspath(args.build)
    raise_core_limit()
    # daemonctl, for the fixes that hand a program to a real daemonizer.
    os.environ["PATH"] = os.path.dirname(bins.get("daemonctl", "/nonexistent")) + ":" + \
        os.environ.get("PATH", "/usr/bin:/bin")
    # In the build folder, not /tmp: a service or a control check gets a
    # private, empty /tmp (service.md, control.md), where a fixed program
    # there would not be found.
    work = tempfile.mkdtemp(prefix="lessons-fix-", dir=build)
    os.chmod(work, 0o755)  # a unit's User= must reach the fixed program
    try:
        fixed = os.path.join(work, "cases", name)
        shutil.copytree(folder, fixed, symlinks=True)
        common = os.path.join(work, "cases", "common")
        shutil.copytree(os.path.join(args.source, "cases", "common"), common)
        # A script may run a sibling case's program (../seed-python-daemon).
        for entry in os.listdir(os.path.join(args.source, "cases")):
            if not os.path.exists(os.path.join(work, "cases", entry)):
                os.symlink(os.path.join(os.path.abspath(args.source), "cases", entry),
                           os.path.join(work, "cases", entry))
        r = subprocess.run(["patch", "-p1", "--no-backup-if-mismatch", "-i", patch_path],
                           cwd=fixed, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        print(r.stdout, end="")
        if r.returncode != 0:
            fail(f"{name}: fix.patch does not apply with patch -p1")
        fixed_build = build
        if os.path.exists(os.path.join(fixed, "CMakeLists.txt")):
            fixed_build = fixed_build_tree(build, work, name)
            out_dir = os.path.join(fixed_build, "cases", name)
            if os.path.exists(os.path.join(fixed, "main.c")):
                build_fixed_c(fixed, common, out_dir, name, args.cc)
            configure_units(fixed, out_dir, args.source, build)
        reports = os.path.join(work, "reports")
        before = score(args.daemoncheck, manifest, build, folder, bins, reports)
        after = score(args.daemoncheck, manifest, fixed_build, fixed, bins, reports)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return judge(name, manifest, before, after)


def judge(name, manifest, before, after):
    expect = manifest.get("expect", {})
    problems = []
    for rule in manifest.get("teaches", []):
        st, msg = after.get(rule, ("absent", ""))
        if st != "pass":
            problems.append(f"{rule}: the rule the case teaches is {st} after the fix: {msg}")
    for rule, (st, msg) in after.items():
        was = before.get(rule, ("absent", ""))[0]
        # A racy rule (expect "fail|pass") counts as its worst accepted status.
        accepted = expect.get(rule, "").split("|") if "|" in expect.get(rule, "") else [was]
        worst_before = max(ORDER.get(s, 3) for s in accepted + [was])
        if ORDER.get(st, 3) > worst_before:
            problems.append(f"{rule}: {was} before the fix, {st} after it: {msg}")
    for rule in sorted(after):
        print(f"  {rule:34} {before.get(rule, ('absent',))[0]:6} -> {after[rule][0]}")
    if problems:
        fail(f"{name}: the fix does not hold:\n  " + "\n  ".join(problems))
    print(f"ok {name}: the fix passes {', '.join(manifest.get('teaches', []))} "
          "and makes nothing worse")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=["build-lines", "readme", "suggest", "fix"])
    p.add_argument("--source", required=True, help="the repository root")
    p.add_argument("--build", required=True, help="the build folder")
    p.add_argument("--case", help="the case's name (folder under cases/)")
    p.add_argument("--daemoncheck", help="the daemoncheck binary (fix)")
    p.add_argument("--bin", action="append", default=[], help="NAME=PATH for {BIN:NAME}")
    p.add_argument("--cc", default="cc", help="the C compiler (fix)")
    args = p.parse_args()
    if args.mode != "build-lines" and not args.case:
        bad_input(f"{args.mode} needs --case")
    if args.mode == "fix" and not args.daemoncheck:
        bad_input("fix needs --daemoncheck")
    modes = {"build-lines": cmd_build_lines, "readme": cmd_readme, "suggest": cmd_suggest,
             "fix": cmd_fix}
    return modes[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
