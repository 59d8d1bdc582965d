#!/usr/bin/env python3
"""Opens daemoncheck's HTML report in headless Chromium, the way a learner would.

    html_in_chromium.py --daemoncheck BIN --scorecards DIR --work DIR [--example BIN]

Runs daemoncheck on a program that forgets setsid() (verdict fail) and, when
given, on the example daemon (verdict pass), each with --html and --json.
For each page: --dump-dom must hold one rules-table row per rule of the
scorecard and the verdict banner; a 1200x2000 screenshot must exist and show
the banner in the verdict's colour near the top. The page must load nothing
from the network. Exits 77 (skipped) when no Chromium is installed.

Chromium runs in a session of its own under this script, which is a child
subreaper: every process it starts, crash handlers included, is killed and
reaped before the script exits.
"""
import argparse
import ctypes
import html.parser
import json
import os
import pathlib
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import zlib

SKIP = 77
PR_SET_CHILD_SUBREAPER = 36
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-breakpad", "--disable-crash-reporter", "--disable-extensions",
                 "--hide-scrollbars", "--force-device-scale-factor=1"]


def reap_leftovers():
    """Kills and reaps every process re-parented to this (subreaper) script."""
    me = str(os.getpid())
    for _ in range(50):
        children = []
        for entry in pathlib.Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if stat[stat.rindex(")") + 2:].split()[1] == me:
                children.append(int(entry.name))
        if not children:
            return
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)  # our own child: the pid cannot be reused before we reap it
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def browser(chromium, args, timeout=90):
    profile = tempfile.mkdtemp(prefix="dc-chromium-")
    try:
        proc = subprocess.Popen([chromium, *BROWSER_FLAGS, f"--user-data-dir={profile}", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            reap_leftovers()
        return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class RulesTable(html.parser.HTMLParser):
    """Collects the rules table's rows, the banner's class and every resource URL."""

    def __init__(self):
        super().__init__()
        self.rows, self.banner, self.urls = [], None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-rule" in a:
            self.rows.append((a["data-rule"], a.get("data-status")))
        if tag == "section" and "verdict" in (a.get("class") or "").split():
            self.banner = a["class"]
        for key in ("src", "href"):
            if a.get(key) and not a[key].startswith("#"):
                self.urls.append(a[key])


def png_rows(path, max_rows):
    """The first rows of an 8-bit RGB(A) PNG, as lists of (r, g, b)."""
    data = pathlib.Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, "unexpected PNG format"
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompressobj().decompress(idat, (width * bpp + 1) * max_rows)
    rows, prev = [], bytearray(width * bpp)
    stride = width * bpp
    for y in range(min(max_rows, len(raw) // (stride + 1))):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, up_left = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, rows


def banner_pixels(rows, verdict):
    """How many pixels have the banner's colour (red for fail, green for pass)."""
    n = 0
    for row in rows:
        for r, g, b in row:
            if verdict == "fail" and r > 150 and g < 70 and b < 80:
                n += 1
            elif verdict == "pass" and g > 110 and r < 80 and b < 110:
                n += 1
    return n


def check_page(chromium, page, scorecard, shot):
    problems = []
    rules = json.loads(pathlib.Path(scorecard).read_text())
    verdict = rules["summary"]["verdict"]
    ids = [r["id"] for r in rules["rules"]]
    status, dom, err = browser(chromium, ["--dump-dom", page.as_uri()])
    if status != 0 or "</html>" not in dom:
        return [f"{page}: chromium --dump-dom failed ({status}): {err[-500:]}"]
    table = RulesTable()
    table.feed(dom)
    seen = [row[0] for row in table.rows]
    if sorted(seen) != sorted(ids):
        problems.append(f"{page}: the rules table has {seen}, the scorecard {ids}")
    if table.banner != f"verdict {verdict}":
        problems.append(f"{page}: banner class {table.banner!r}, verdict {verdict}")
    if table.urls:
        problems.append(f"{page}: refers to other resources: {table.urls[:5]}")
    if "id=\"tree\"" not in dom or "id=\"timeline\"" not in dom:
        problems.append(f"{page}: no process tree or timeline")

    status, _, err = browser(chromium, [f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri()])
    if status != 0 or not pathlib.Path(shot).exists():
        return problems + [f"{page}: chromium --screenshot failed ({status}): {err[-500:]}"]
    width, rows = png_rows(shot, 420)
    if width != 1200:
        problems.append(f"{shot}: {width} pixels wide, not 1200")
    coloured = banner_pixels(rows[120:420], verdict)
    if coloured < 40000:
        problems.append(f"{shot}: only {coloured} pixels of the {verdict} banner's colour near the top")
    print(f"{page.name}: {len(seen)} rules in the table, verdict {verdict}, "
          f"{coloured} banner pixels; screenshot {shot}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemoncheck", required=True)
    ap.add_argument("--scorecards", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--example")
    args = ap.parse_args()

    chromium = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                     if shutil.which(n)), None)
    if not chromium:
        print("SKIP: no chromium (apt-get install chromium)")
        return SKIP
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    work = pathlib.Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    runs = [("forgets-setsid", ["/bin/sh", "-c", "sleep 100 &"], [], 1)]
    if args.example:
        runs.append(("example-daemon", [args.example, "--pidfile", "{tmp}/ex.pid", "--log", "{tmp}/ex.log"],
                     ["--pidfile", "{tmp}/ex.pid"], 0))
    problems = []
    for name, command, options, want in runs:
        page, scorecard = work / f"{name}.html", work / f"{name}.json"
        run = subprocess.run([args.daemoncheck, "--report-dir", args.scorecards, "--race-trials", "1", *options,
                              "--html", str(page), "--json", str(scorecard), "--quiet", "--", *command],
                             capture_output=True, text=True, timeout=300)
        reap_leftovers()
        if run.returncode != want:
            problems.append(f"{name}: daemoncheck exited {run.returncode}, expected {want}: {run.stderr}")
            continue
        problems += check_page(chromium, page, scorecard, work / f"{name}.png")
    for p in problems:
        print(p)
    print(f"{len(runs) - len({p.split(':')[0] for p in problems})} passed, "
          f"{len({p.split(':')[0] for p in problems})} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
