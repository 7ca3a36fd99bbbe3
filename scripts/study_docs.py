#!/usr/bin/env python3
"""Runs `vtdsim study passthrough` and puts its table and plot into docs/studies/, or checks
that they are there already.

  study_docs.py [--vtdsim build/platform/vtdsim] [--docs docs] [--check]

The table goes between the markers `<!-- study table: begin -->` and `<!-- study table:
end -->` of docs/studies/passthrough.md (the prose around it is written by hand and must
agree with it), the plot to docs/studies/passthrough.svg. With --check nothing is written:
the exit status is 1, naming the file, when either differs from what the model gives now.
Standard library only (the plot needs the study's matplotlib).
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BEGIN, END = "<!-- study table: begin -->", "<!-- study table: end -->"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vtdsim", default=os.path.join(ROOT, "build", "platform", "vtdsim"))
    ap.add_argument("--docs", default=os.path.join(ROOT, "docs"))
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as out:
        p = subprocess.run([a.vtdsim, "study", "passthrough", "--out", out], capture_output=True, text=True)
        print(p.stdout)
        if p.returncode != 0:
            sys.exit(f"study_docs: vtdsim study exited {p.returncode}: {p.stderr}")
        d = os.path.join(out, "study-passthrough")
        table = open(os.path.join(d, "study.md")).read()
        svg_path = os.path.join(d, "study.svg")
        svg = open(svg_path).read() if os.path.exists(svg_path) else None
    page_path = os.path.join(a.docs, "studies", "passthrough.md")
    page = open(page_path).read()
    if BEGIN not in page or END not in page:
        sys.exit(f"study_docs: {page_path} has no {BEGIN} ... {END} markers")
    head, rest = page.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new_page = head + BEGIN + "\n" + table + END + tail
    svg_doc = os.path.join(a.docs, "studies", "passthrough.svg")
    if a.check:
        stale = []
        if new_page != page:
            stale.append(page_path)
        if svg is None:
            sys.exit("study_docs: the study wrote no plot (is python3-matplotlib installed?)")
        if not os.path.exists(svg_doc) or open(svg_doc).read() != svg:
            stale.append(svg_doc)
        if stale:
            sys.exit("study_docs: not current: " + ", ".join(stale) + "\nRegenerate: python3 scripts/study_docs.py")
        print("study_docs: docs/studies/passthrough.md and passthrough.svg are current")
        return
    open(page_path, "w").write(new_page)
    if svg is not None:
        open(svg_doc, "w").write(svg)
    print(f"study_docs: wrote {page_path}" + (f" and {svg_doc}" if svg is not None else " (no plot)"))


if __name__ == "__main__":
    main()
