#!/usr/bin/env python3
"""Checks that daemoncheck(1) describes each rule the way --explain does.

    check_man.py --catalog BIN --daemoncheck BIN --page daemoncheck.1

In the page's RULES section, each rule is a `.TP` entry headed
`.BR rule\\-id " (severity, step)"`; its text must be the rule's "What it
checks" from the catalogue (BIN prints it as JSON), word for word once the
roff escapes are undone, and `daemoncheck --explain RULE` must print that same
text. Every rule of the catalogue has an entry, and every entry a rule.
"""
import argparse
import json
import re
import subprocess
import sys


def plain(roff_lines):
    """The words of roff text lines: macros dropped, escapes undone."""
    words = []
    for line in roff_lines:
        if line.startswith(".") and not re.match(r"\.(B|I|BR|IR|RB|RI)\b", line):
            continue
        if line.startswith("."):
            line = re.sub(r"^\.(B|I|BR|IR|RB|RI)\s+", "", line).replace('"', "")
        line = line.replace("\\-", "-").replace("\\(aq", "'").replace("\\e", "\\")
        line = re.sub(r"\\f[BIRP]", "", line)
        words += line.split()
    return " ".join(words)


def entries(page):
    """rule id -> its description, from the .TP entries of the RULES section."""
    lines = page.split("\n")
    start = lines.index(".SH RULES")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(".SH "))
    found, i = {}, start
    while i < end:
        m = re.match(r'\.BR ([a-z\\-]+) "', lines[i]) if i > 0 and lines[i - 1] == ".TP" else None
        if m:
            body = []
            i += 1
            while i < end and not re.match(r"\.(TP|SS|PP|SH)\b", lines[i]):
                body.append(lines[i])
                i += 1
            found[m.group(1).replace("\\-", "-")] = plain(body)
            continue
        i += 1
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", required=True)
    ap.add_argument("--daemoncheck", required=True)
    ap.add_argument("--page", required=True)
    args = ap.parse_args()
    catalog = json.loads(subprocess.run([args.catalog], capture_output=True, text=True,
                                        check=True).stdout)
    described = entries(open(args.page).read())
    problems = []
    for rule in catalog:
        want = " ".join(rule["checks"].split())
        explained = subprocess.run([args.daemoncheck, "--explain", rule["id"]],
                                   capture_output=True, text=True).stdout
        section = explained.split("\nWhat it checks\n", 1)[-1].split("\n\n", 1)[0]
        if " ".join(section.split()) != want:
            problems.append(f"{rule['id']}: --explain does not print the catalogue's text")
        if rule["id"] not in described:
            problems.append(f"{rule['id']}: no entry in the RULES section of {args.page}")
        elif described[rule["id"]] != want:
            problems.append(f"{rule['id']}: the man page says\n    {described[rule['id']]}\n"
                            f"  --explain says\n    {want}")
    for extra in sorted(set(described) - {r["id"] for r in catalog}):
        problems.append(f"{extra}: described in the man page but not a rule")
    for p in problems:
        print(p)
    print(f"{len(catalog)} rules: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
