#!/usr/bin/env python3
"""Fails when an #include in checker/ goes against the declared stage graph.

The graph is the one the build uses: every dc_stage() call in
checker/CMakeLists.txt names a library, its folders, whether it is PURE, and
the stages it DEPENDS on. A file in folder F may include "G/..." only when G's
stage is F's own or one F's stage reaches through DEPENDS. Besides, the graph
must have no cycle, a PURE stage must reach no stage that is not pure, every
folder under checker/ that holds code must belong to a stage, and files at
checker/'s top (main.cpp) may include what the daemoncheck program links.

Usage: check_layers.py CHECKER_DIR
"""
import re
import sys
from pathlib import Path

STAGE = re.compile(r"^dc_stage\((.*?)\)", re.S | re.M)
PROGRAM = re.compile(r"target_link_libraries\(daemoncheck\s+PRIVATE\s+([^)]*)\)")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
KEYWORDS = {"PURE", "FOLDERS", "SOURCES", "DEPENDS", "LINK"}
# Include folders that come from outside checker/: "daemonize/..." is the
# reference library's header-only types, seen by a stage that reaches one
# LINKing daemonize_types.
EXTERNAL = {"daemonize": "daemonize_types"}


def parse_stages(cmake_text):
    stages = {}
    for m in STAGE.finditer(cmake_text):
        words = m.group(1).split()
        lib, section = words[0], None
        stage = {"pure": False, "folders": [], "depends": [], "link": []}
        for w in words[1:]:
            if w in KEYWORDS:
                section = w
                if w == "PURE":
                    stage["pure"] = True
            elif section == "FOLDERS":
                stage["folders"].append(w)
            elif section == "DEPENDS":
                stage["depends"].append(w)
            elif section == "LINK":
                stage["link"].append(w)
        stages[lib] = stage
    return stages


def reach(stages, lib, path=()):
    """Every stage lib sees (itself included); raises on a cycle."""
    if lib in path:
        raise ValueError("cycle: " + " -> ".join(path + (lib,)))
    seen = {lib}
    for dep in stages.get(lib, {}).get("depends", []):
        if dep not in stages:
            raise ValueError(f"{lib} depends on {dep}, which is not a dc_stage")
        seen |= reach(stages, dep, path + (lib,))
    return seen


def main(checker):
    checker = Path(checker)
    cmake = (checker / "CMakeLists.txt").read_text()
    stages = parse_stages(cmake)
    if not stages:
        print(f"{checker}/CMakeLists.txt declares no dc_stage()")
        return 1
    problems = []
    try:
        seen_by = {lib: reach(stages, lib) for lib in stages}
    except ValueError as e:
        print(f"checker/CMakeLists.txt: {e}")
        return 1
    for lib, st in stages.items():
        if st["pure"]:
            for dep in sorted(seen_by[lib]):
                if not stages[dep]["pure"]:
                    problems.append(f"checker/CMakeLists.txt: pure stage {lib} reaches {dep}, "
                                    "which touches the OS")
    stage_of = {}
    for lib, st in stages.items():
        for folder in st["folders"]:
            stage_of[folder] = lib
    program = PROGRAM.search(cmake)
    top_sees = set()
    for lib in program.group(1).split() if program else []:
        if lib in stages:
            top_sees |= seen_by[lib]

    for path in sorted(checker.rglob("*")):
        if path.suffix not in (".h", ".cpp") or not path.is_file():
            continue
        rel = path.relative_to(checker)
        if len(rel.parts) == 1:
            owner, sees = "daemoncheck", top_sees
        elif rel.parts[0] in stage_of:
            owner = stage_of[rel.parts[0]]
            sees = seen_by[owner]
        else:
            problems.append(f"checker/{rel}: folder {rel.parts[0]}/ belongs to no dc_stage()")
            continue
        text = path.read_text(errors="replace")
        for m in INCLUDE.finditer(text):
            target = m.group(1)
            line = text.count("\n", 0, m.start()) + 1
            folder = target.split("/")[0] if "/" in target else None
            if folder is None:
                continue  # a file of the same folder
            if folder in EXTERNAL and folder not in stage_of:
                if not any(EXTERNAL[folder] in stages[lib]["link"] for lib in sees):
                    problems.append(f"checker/{rel}:{line}: includes \"{target}\", but {owner} "
                                    f"reaches no stage that links {EXTERNAL[folder]}")
            elif folder not in stage_of:
                problems.append(f"checker/{rel}:{line}: includes \"{target}\", whose folder "
                                "belongs to no stage")
            elif stage_of[folder] not in sees:
                problems.append(f"checker/{rel}:{line}: includes \"{target}\": {owner} does not "
                                f"depend on {stage_of[folder]} (a back edge or a missing "
                                "DEPENDS in checker/CMakeLists.txt)")
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"{len(stages)} stages, no include against the graph")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: check_layers.py CHECKER_DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
