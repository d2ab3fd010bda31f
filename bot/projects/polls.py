"""The bridge to the polls feature: start a decision or evaluation poll for a project,
and read a closed poll's result. Guarded so projects work before polls exist
(then the organizer confirms decisions by hand)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.projects import texts as T

YES = ("同意", "赞成", "支持", "满意")
NO = ("不同意", "反对", "不支持", "不满意")


def available() -> bool:
    try:
        from bot.polls.service import create_evaluation_poll  # noqa: F401
    except ImportError:
        return False
    return True


async def start_poll(session: AsyncSession, *, community_id: int, question: str,
                     chat_ids: list[int], opens_at: datetime, closes_at: datetime, preset: str,
                     project_id: int, created_by_id: int | None, now: datetime) -> Any | None:
    """A poll of the project's groups, or None when the polls feature is missing."""
    try:
        from bot.polls.service import create_evaluation_poll
    except ImportError:
        return None
    return await create_evaluation_poll(
        session, community_id=community_id, question=question, chat_ids=chat_ids,
        opens_at=opens_at, closes_at=closes_at, preset=preset, project_id=project_id,
        created_by_id=created_by_id, now=now,
    )


def _pair(item: Any) -> tuple[str, int] | None:
    if isinstance(item, (list, tuple)) and len(item) == 2:
        return str(item[0]), int(item[1])
    if isinstance(item, Mapping):
        label = item.get("text") or item.get("label") or item.get("option")
        count = item.get("count", item.get("votes"))
        return (str(label), int(count)) if label is not None and count is not None else None
    label = next((getattr(item, a) for a in ("text", "label", "option") if hasattr(item, a)), None)
    count = next((getattr(item, a) for a in ("count", "votes") if hasattr(item, a)), None)
    return (str(label), int(count)) if label is not None and count is not None else None


def counts(result: Any) -> list[tuple[str, int]]:
    """Option labels and vote counts from whatever shape the polls feature returns:
    {label: n}, [(label, n)], [{"text", "count"}], or an object/dict with .counts."""
    if result is None:
        return []
    for attr in ("counts", "options", "tally"):
        inner = result.get(attr) if isinstance(result, Mapping) else getattr(result, attr, None)
        if inner is not None and inner is not result:
            return counts(inner)
    if isinstance(result, Mapping):
        return [(str(k), int(v)) for k, v in result.items() if isinstance(v, int)]
    if isinstance(result, (list, tuple)):
        return [pair for item in result if (pair := _pair(item)) is not None]
    return []


def summary(pairs: list[tuple[str, int]]) -> str:
    total = sum(n for _, n in pairs)
    if not total:
        return T.RESULT_NONE
    parts = [T.RESULT_PART.format(option=label, count=n) for label, n in pairs]
    return "，".join(parts) + "，" + T.RESULT_TOTAL.format(total=total)


def approved(pairs: list[tuple[str, int]]) -> bool:
    """More yes than no; labels decide, else the first option must be the strict top."""
    yes = sum(n for label, n in pairs if label.startswith(YES) and not label.startswith(NO))
    no = sum(n for label, n in pairs if label.startswith(NO))
    if yes or no:
        return yes > no
    if not pairs:
        return False
    return all(pairs[0][1] > n for _, n in pairs[1:])
