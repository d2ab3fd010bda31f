"""Long button lists (the buildings and rooms of a big community) a page at a time."""
from __future__ import annotations

from collections.abc import Callable

from bot.people import texts as T
from bot.ui import Button, Callback, rows

PAGE = 24  # buttons per page


def paged(buttons: list[Button], page: int, width: int, nav: Callable[[int], Callback],
          size: int = PAGE) -> tuple[list[list[Button]], int, int]:
    """(keyboard of this page with « / » buttons, page number from 1, pages)."""
    pages = max(1, -(-len(buttons) // size))
    page = min(max(page, 0), pages - 1)
    kb = rows(buttons[page * size:(page + 1) * size], width)
    moves = [Button(T.PREV, nav(page - 1))] if page > 0 else []
    if page < pages - 1:
        moves.append(Button(T.NEXT, nav(page + 1)))
    return kb + ([moves] if moves else []), page + 1, pages
