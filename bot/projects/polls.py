"""The bridge to the polls feature: start a decision or evaluation poll for a project
(through its public surface), and read a closed poll's counts (from bot.events.PollClosed).
Polls never call back into projects: projects subscribes to PollClosed in `wire()`."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import polls
from bot.db.models.polls import Poll
from bot.projects import texts as T

YES = ("同意", "赞成", "支持", "满意")
NO = ("不同意", "反对", "不支持", "不满意")
Counts = Sequence[tuple[str, int]]  # (option label, votes) in option order


async def start_poll(session: AsyncSession, *, community_id: int, question: str,
                     chat_ids: list[int], opens_at: datetime, closes_at: datetime, preset: str,
                     project_id: int, created_by_id: int | None, now: datetime) -> Poll | None:
    """A poll of the project's groups; None when the project has no group to vote in
    (then the organizer confirms the decision taken in a meeting)."""
    if not chat_ids:
        return None
    return await polls.create_evaluation_poll(
        session, community_id=community_id, question=question, chat_ids=chat_ids,
        opens_at=opens_at, closes_at=closes_at, preset=preset, project_id=project_id,
        created_by_id=created_by_id, now=now,
    )


def summary(pairs: Counts) -> str:
    total = sum(n for _, n in pairs)
    if not total:
        return T.RESULT_NONE
    parts = [T.RESULT_PART.format(option=label, count=n) for label, n in pairs]
    return "，".join(parts) + "，" + T.RESULT_TOTAL.format(total=total)


def approved(pairs: Counts) -> bool:
    """More yes than no; labels decide, else the first option must be the strict top."""
    yes = sum(n for label, n in pairs if label.startswith(YES) and not label.startswith(NO))
    no = sum(n for label, n in pairs if label.startswith(NO))
    if yes or no:
        return yes > no
    if not pairs:
        return False
    return all(pairs[0][1] > n for _, n in pairs[1:])
