"""Export a poll's result and ballots: CSV (UTF-8 with BOM, for Excel/WPS) or xlsx.

``table(session, poll, tz) -> (result_rows, ballot_rows)``; ``export(session, poll_id,
path, fmt, tz)`` writes the file. Voters are named only when the poll's results are
public; an anonymous poll exports totals and anonymous ballots (no name, household or
time; an anonymous Telegram poll has no ballots at all). Cells are neutralised against
formula injection; every export is recorded in `export_audit`."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GroupChat, Person
from bot.db.models.polls import Poll, PollVote
from bot.polls import service as svc
from bot.polls import texts as T
from bot.polls import votes
from bot.privacy import audit
from bot.privacy.mask import safe_row

FORMATS = ("csv", "xlsx")
Rows = list[list[Any]]


async def table(session: AsyncSession, poll: Poll, tz: Any) -> tuple[Rows, Rows]:
    tally = await svc.current_tally(session, poll)
    names = await votes.voters_by_option(session, poll) if not poll.anonymous else None
    results: Rows = [T.EXPORT_HEAD]
    for i, row in enumerate(tally.rows):
        who = "、".join(names[i]) if names else ""
        results.append([poll.id, poll.question, row.label, row.count, row.percent, who])
    turnout = round(100 * tally.turnout, 1) if tally.turnout is not None else ""
    results += [[], T.EXPORT_SUMMARY, [tally.voters, tally.eligible or "", turnout]]
    titles = dict((await session.execute(select(GroupChat.chat_id, GroupChat.title))).all())
    ballots: Rows = [T.EXPORT_VOTES_HEAD]
    rows = await session.execute(
        select(PollVote, Person.name, Person.household)
        .join(Person, Person.id == PollVote.person_id)
        .where(PollVote.poll_id == poll.id).order_by(PollVote.voted_at, PollVote.id))
    for n, (vote, name, household) in enumerate(rows, start=1):
        who = name if not poll.anonymous else f"#{n}"
        when = vote.voted_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        ballots.append([poll.id, who, (household or "") if not poll.anonymous else "",
                        titles.get(vote.chat_id, vote.chat_id or ""),
                        "、".join(poll.texts[i] for i in vote.choices if i < len(poll.texts)),
                        when if not poll.anonymous else ""])
    return results, ballots


def _csv(path: Path, results: Rows, ballots: Rows) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerows(safe_row(r) for r in results)
        writer.writerow([])
        writer.writerows(safe_row(r) for r in ballots)


def _xlsx(path: Path, results: Rows, ballots: Rows) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    for sheet, rows, title in ((book.active, results, "结果"),
                               (book.create_sheet(), ballots, "投票明细")):
        assert sheet is not None
        sheet.title = title
        for row in rows:
            sheet.append(safe_row(row))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["B"].width = 30
    book.save(path)


async def export(session: AsyncSession, poll_id: int, path: Path, fmt: str, tz: Any, *,
                 who: str | None = None, person_id: int | None = None) -> int:
    """Write the file and record who did (the caller commits); returns the number of
    ballots."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    poll = await svc.get(session, poll_id)
    results, ballots = await table(session, poll, tz)
    (_xlsx if fmt == "xlsx" else _csv)(Path(path), results, ballots)
    await audit.record(session, who=who or audit.cli_user(), person_id=person_id, what="poll",
                       scope=f"poll #{poll.id}", fmt=fmt, masked=poll.anonymous,
                       rows=len(ballots) - 1)
    return len(ballots) - 1
