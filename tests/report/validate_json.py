#!/usr/bin/env python3
"""Validates JSON documents against a JSON Schema (any draft jsonschema knows).

    validate_json.py --schema SCHEMA [--scorecard] [--min N] PATH...

A PATH that is a folder stands for every *.json in it. --scorecard adds the
checks a schema cannot express: the summary's counts are the tally of the
rules' statuses, every waived rule has a used waiver. Fails when fewer than
--min documents were found (default 1), so an empty folder never passes.
Exit status: 0 all valid, 1 some invalid, 2 bad arguments.
"""
import argparse
import json
import pathlib
import re
import sys

import jsonschema

# RFC 3986 URI-reference, for the "uri" and "uri-reference" formats (the
# rfc3987 module jsonschema would use is not installed everywhere).
_URI_REF = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?://[^/?#\s]*)?[^?#\s]*(?:\?[^#\s]*)?(?:#\S*)?$")
_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def format_checker():
    checker = jsonschema.FormatChecker()

    @checker.checks("uri-reference")
    def uri_reference(value):
        return not isinstance(value, str) or (bool(_URI_REF.match(value)) and not _PCT.search(value))

    @checker.checks("uri")
    def uri(value):
        return not isinstance(value, str) or (
            bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value)) and uri_reference(value))

    return checker


def scorecard_problems(doc):
    problems = []
    rules = doc.get("rules", [])
    tally = {}
    for r in rules:
        tally[r.get("status")] = tally.get(r.get("status"), 0) + 1
    counts = doc.get("summary", {}).get("counts", {})
    for status, n in counts.items():
        if tally.get(status, 0) != n:
            problems.append(f"summary.counts.{status} is {n}, but {tally.get(status, 0)} rules have that status")
    ids = [r.get("id") for r in rules]
    if len(ids) != len(set(ids)):
        problems.append("a rule id appears twice in rules[]")
    used = {w["id"] for w in doc.get("waivers", []) if w.get("used")}
    for r in rules:
        if r.get("status") == "waived" and r.get("id") not in used:
            problems.append(f"rule {r.get('id')} is waived, but no used waiver names it")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schema", required=True)
    ap.add_argument("--scorecard", action="store_true")
    ap.add_argument("--min", type=int, default=1)
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()

    schema = json.loads(pathlib.Path(args.schema).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=format_checker())

    files = []
    for p in map(pathlib.Path, args.paths):
        files.extend(sorted(p.glob("*.json")) if p.is_dir() else [p])
    bad = 0
    for f in files:
        try:
            doc = json.loads(f.read_text())
        except (OSError, ValueError) as e:
            print(f"{f}: not JSON: {e}")
            bad += 1
            continue
        problems = [f"{'/'.join(map(str, e.absolute_path)) or '(document)'}: {e.message}"
                    for e in validator.iter_errors(doc)]
        if args.scorecard and not problems:
            problems = scorecard_problems(doc)
        for p in problems[:20]:
            print(f"{f}: {p}")
        bad += bool(problems)
    print(f"{len(files)} documents checked against {args.schema}: {len(files) - bad} valid, {bad} invalid")
    if len(files) < args.min:
        print(f"expected at least {args.min} documents, found {len(files)}")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
