#!/usr/bin/env python3
"""traces/schema.json against the text traces: every committed text sample (and the text
form `vtdsim trace convert` makes of every binary sample) matches the schema's line
patterns, and lines the reader rejects do not.

    schema_check.py VTDSIM SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile


def compile_schema(path):
    s = json.load(open(path))
    num = s["number"]
    records = {name: re.compile(r["pattern"].replace("NUM", num)) for name, r in s["records"].items()}
    return s, records


def check_lines(lines, schema, records, where):
    if lines[0] != schema["header"]:
        return f"{where}: line 1 is not the header"
    for n, line in enumerate(lines[1:], 2):
        if re.match(schema["comment_line"], line) or re.match(schema["blank_line"], line):
            continue
        if not any(p.match(line) for p in records.values()):
            return f"{where}: line {n} matches no record pattern: {line!r}"
    return None


def main():
    vtdsim, source = sys.argv[1], sys.argv[2]
    schema, records = compile_schema(os.path.join(source, "traces", "schema.json"))
    folder = os.path.join(source, "traces", "samples")
    checked = 0
    with tempfile.TemporaryDirectory() as d:
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if not name.endswith(".txt"):
                text = os.path.join(d, name + ".txt")
                subprocess.run([vtdsim, "trace", "convert", path, text], check=True, capture_output=True)
                path = text
            error = check_lines(open(path).read().splitlines(), schema, records, name)
            if error:
                print("FAIL: " + error)
                sys.exit(1)
            checked += 1
    # Lines the reader rejects must not match either (the schema is not looser than the reader).
    for bad in ("1 dma 00:20.0 r 0x10 4", "1 dma 00:04.0 x 0x10 4", "1 reg 0x88 2 0", "1 inv 0x11",
                "1 dma 00:04.0 r 0x10 4 fast", "x dma 00:04.0 r 0 4"):
        if any(p.match(bad) for p in records.values()):
            print(f"FAIL: the schema accepts {bad!r}, which the reader rejects")
            sys.exit(1)
    print(f"{checked} samples match traces/schema.json; rejected lines do not")


if __name__ == "__main__":
    main()
