"""`linli mask`: hide personal details in lines read on stdin, written to stdout.

A line is plain text, or a JSON object (JSONL) whose "text" field is masked while every
other field is kept. `--rooms 301,3-2-301` also hides those room numbers. `--stats`
prints to stderr how many lines changed and what was found, by kind."""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from typing import IO

from bot.privacy.mask import find, mask


def mask_line(line: str, rooms: Sequence[str] = (), field: str = "text",
              seen: Counter[str] | None = None) -> str:
    """One line, without its newline: JSON objects keep their other fields."""
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            row = json.loads(stripped)
        except ValueError:
            row = None
        if isinstance(row, dict):
            value = row.get(field)
            if isinstance(value, str):
                if seen is not None:
                    seen.update(f.kind for f in find(value, rooms))
                row[field] = mask(value, rooms)
            return json.dumps(row, ensure_ascii=False)
    if seen is not None:
        seen.update(f.kind for f in find(line, rooms))
    return mask(line, rooms)


def run(src: IO[str], dst: IO[str], rooms: Sequence[str] = (),
        field: str = "text") -> Counter[str]:
    seen: Counter[str] = Counter()
    for line in src:
        dst.write(mask_line(line.rstrip("\r\n"), rooms, field, seen) + "\n")
    return seen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="linli mask", description=__doc__.splitlines()[0])
    parser.add_argument("--field", default="text", help="JSONL field to mask (default: text)")
    parser.add_argument("--rooms", default="", help="extra room numbers to hide, comma separated")
    parser.add_argument("--stats", action="store_true", help="counts by kind on stderr")
    args = parser.parse_args(argv)
    rooms = [r.strip() for r in args.rooms.split(",") if r.strip()]
    seen = run(sys.stdin, sys.stdout, rooms, args.field)
    if args.stats:
        print(" ".join(f"{k}={n}" for k, n in sorted(seen.items())) or "nothing found",
              file=sys.stderr)
    return 0
