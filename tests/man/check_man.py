#!/usr/bin/env python3
"""Checks the man pages against the programs they document.

    check_man.py --version X.Y.Z --page daemoncheck.1=BIN [--page daemonctl.1=BIN ...]

Each page must format without a warning (groff -man -ww), carry the version
in its .TH line, and mention every long option the program's --help lists
(for daemonctl, every subcommand's --help too). daemoncheck(1) must also
name every rule --list-rules prints. Exits 77 (skipped) without groff.
"""
import argparse
import pathlib
import re
import shutil
import subprocess
import sys

SKIP = 77


def help_text(binary, args):
    return subprocess.run([binary, *args, "--help"], capture_output=True, text=True, timeout=30).stdout


def long_options(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", text)) - {"--help"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", required=True)
    ap.add_argument("--page", action="append", required=True, help="PAGE=BINARY")
    args = ap.parse_args()
    if not shutil.which("groff"):
        print("SKIP: no groff")
        return SKIP
    problems, checked = [], 0
    for spec in args.page:
        page, binary = spec.split("=", 1)
        source = pathlib.Path(page).read_text()
        text = source.replace("\\-", "-").replace("\\fB", "").replace("\\fR", "").replace("\\fI", "")
        name = pathlib.Path(page).stem
        fmt = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", page], capture_output=True, text=True)
        if fmt.returncode != 0 or fmt.stderr.strip():
            problems.append(f"{page}: groff warns: {fmt.stderr.strip()[:500]}")
        th = re.search(r'^\.TH \S+ 1 "[^"]*" "([^"]*)"', source, re.M)
        if not th or not th.group(1).endswith(" " + args.version):
            problems.append(f"{page}: .TH does not name version {args.version}")
        helps = help_text(binary, [])
        if name == "daemonctl":
            for sub in ("start", "stop", "restart", "status", "run"):
                helps += help_text(binary, [sub])
                if not re.search(rf"^\.B daemonctl {sub}\b", source, re.M):
                    problems.append(f"{page}: no synopsis for '{sub}'")
        for option in sorted(long_options(helps)):
            if option not in text:
                problems.append(f"{page}: {option} (in --help) is not documented")
        if name == "daemoncheck":
            listing = subprocess.run([binary, "--list-rules"], capture_output=True, text=True).stdout
            for line in listing.splitlines()[1:]:
                if not line.strip():
                    break
                rule = line.split()[0]
                if not re.search(rf"(?<![\w-]){re.escape(rule)}(?![\w-])", text):
                    problems.append(f"{page}: rule {rule} is not described")
        checked += 1
    for p in problems:
        print(p)
    print(f"{checked} man pages checked: {checked - len({p.split(':')[0] for p in problems})} passed, "
          f"{len({p.split(':')[0] for p in problems})} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
