"""`linli mask`: hide personal details in lines read on stdin, written to stdout.

A line is plain text, or a JSON object (JSONL) whose "text" field is masked while every
other field is kept. `--rooms 301,3-2-301` also hides those room numbers. `--stats`
prints to stderr how many lines changed and what was found, by kind."""
from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from typing import IO

import click

from bot.clikit import CONTEXT, examples
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


@click.command("mask", context_settings=CONTEXT, epilog=examples(
    "linli mask < chat.txt > chat-masked.txt",
    "linli mask --rooms 301,3-2-301 --stats < cases.jsonl > cases-masked.jsonl"))
@click.option("--field", default="text", show_default=True, help="The JSONL field to mask.")
@click.option("--rooms", default="", help="Extra room numbers to hide, comma separated.")
@click.option("--stats", is_flag=True, help="Print counts of what was hidden, by kind, on stderr.")
def mask_command(field: str, rooms: str, stats: bool) -> int:
    """Hide phones, ID numbers, plates, rooms, WeChat/QQ ids, e-mail and bank cards.

    Reads lines on stdin (plain text, or JSON Lines whose `text` field is masked while
    every other field is kept) and writes them masked to stdout, so a file can be
    cleaned before it is shared, or the masking checked on your own examples."""
    extra = [r.strip() for r in rooms.split(",") if r.strip()]
    seen = run(sys.stdin, sys.stdout, extra, field)
    if stats:
        print(" ".join(f"{k}={n}" for k, n in sorted(seen.items())) or "nothing found",
              file=sys.stderr)
    return 0
