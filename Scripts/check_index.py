#!/usr/bin/env python3
"""Checks a dataset.json against the field tables of DATASETS.md ("dataset.json"), read from the
document itself: every field it lists with the type it gives, and no field it does not list.

Usage: check_index.py DATASET_DIR [DATASETS.md]

Exits non-zero, naming each field at fault, when the index does not conform.
"""
import json
import os
import re
import sys

TYPES = {
    "string": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "any": lambda v: True,
}


def tables(spec):
    """Field tables of the dataset.json section: table name ('' for the top level) → field → type."""
    section = spec.split("### dataset.json", 1)[1].split("\n### ", 1)[0]
    out, name = {}, None
    for line in section.splitlines():
        heading = re.match(r"^`([A-Za-z\[\].]+)`( entries)?[ :(]", line)
        if line.startswith("UTF-8 JSON object"):
            name = ""
        elif heading:
            name = heading.group(1)
        m = re.match(r"^\| `(\w+)` \| ([a-z ]+) \|", line)
        if m and name is not None:
            out.setdefault(name, {})[m.group(1)] = m.group(2).strip()
    return out


def check_object(obj, table, where, problems):
    if not isinstance(obj, dict):
        problems.append(f"{where}: not an object")
        return
    for field in obj:
        if field not in table:
            problems.append(f"{where}.{field}: not in DATASETS.md")
    for field, kind in table.items():
        optional = kind.endswith(" or absent")
        base = kind.replace(" or absent", "")
        if field not in obj:
            if not optional:
                problems.append(f"{where}.{field}: missing")
        elif not TYPES[base](obj[field]):
            problems.append(f"{where}.{field}: expected {base}, found {type(obj[field]).__name__}")


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    spec_path = argv[2] if len(argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "DATASETS.md")
    with open(spec_path, encoding="utf-8") as f:
        t = tables(f.read())
    for name in ("", "sensors[]", "sensors[].warp", "sensors[].timeStep", "shards[]", "inputs[]"):
        if name not in t:
            print(f"check_index: DATASETS.md has no table for {name or 'the top level'}", file=sys.stderr)
            return 2
    with open(os.path.join(argv[1], "dataset.json"), encoding="utf-8") as f:
        index = json.load(f)
    problems = []
    check_object(index, t[""], "$", problems)
    for i, s in enumerate(index.get("sensors", [])):
        check_object(s, t["sensors[]"], f"$.sensors[{i}]", problems)
        if isinstance(s, dict) and "warp" in s:
            check_object(s["warp"], t["sensors[].warp"], f"$.sensors[{i}].warp", problems)
        if isinstance(s, dict) and "timeStep" in s:
            check_object(s["timeStep"], t["sensors[].timeStep"], f"$.sensors[{i}].timeStep", problems)
    for i, s in enumerate(index.get("shards", [])):
        check_object(s, t["shards[]"], f"$.shards[{i}]", problems)
    for i, s in enumerate(index.get("inputs", [])):
        check_object(s, t["inputs[]"], f"$.inputs[{i}]", problems)
    if index.get("formatVersion") != 2:
        problems.append(f"$.formatVersion: {index.get('formatVersion')}, this check is of format 2")
    for p in problems:
        print(f"check_index: {argv[1]}/dataset.json: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
