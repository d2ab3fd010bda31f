"""Issue 12: numbers typed after commands (case, project, poll, topic, FAQ numbers,
percentages, amounts) are read in one place (bot.numbers): out of range, negative,
huge, look-alike digits (², ①) get the command's usual Chinese hint, never a failed
update or a database error; full-width digits (１２３) are digits."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import texts as C
from bot.db.models import InboxUpdate
from bot.db.session import transaction
from bot.numbers import MAX_INT, number, split_number
from bot.org.orgfile import import_file
from bot.projects.buttons import ProjFollow
from bot.ui import CallbackError
from tests.harness import bind

EXAMPLE = Path(__file__).parents[1] / "examples" / "org.yaml"
HOSTILE = ["-1", "0", "2147483648", "9" * 30, "²", "①", "12abc", "#", "٣٣٣٣٣٣٣٣٣٣٣"]
COMMANDS = ["/case {n}", "/project {n}", "/project_update {n} 进展", "/project_stage {n}",
            "/project_shelve {n} 没钱", "/pledge {n} 出钱 100", "/poll_results {n}",
            "/topic {n}", "/faq_del {n}", "/start case_{n}"]
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(("text", "value"), [
    ("12", 12), ("#12", 12), ("＃１２", 12), ("１２３", 123), (" 7 ", 7), (str(MAX_INT), MAX_INT),
    (str(MAX_INT + 1), None), ("9" * 30, None), ("-1", None), ("²", None), ("①", None),
    ("1.5", None), ("12abc", None), ("", None), (None, None)])
def test_a_number_is_decimal_digits_within_an_integer_column(text, value):
    assert number(text) == value


def test_split_number_reads_the_leading_number():
    assert split_number("１２ 说明 文字") == (12, "说明 文字")
    assert split_number("#3") == (3, "")
    assert split_number("0 x") is None  # numbers start at 1
    assert split_number("99999999999 x") is None
    assert split_number("x 1") is None


def test_forged_callback_numbers_beyond_a_column_are_refused():
    assert ProjFollow.unpack(f"pf:{MAX_INT}:1").project_id == MAX_INT
    for forged in ("pf:9223372036854775807:1", f"pf:{MAX_INT + 1}:1", "pf:1e9:1", "pf:²:1"):
        with pytest.raises(CallbackError):
            ProjFollow.unpack(forged)


async def test_hostile_numbers_after_commands_get_a_chinese_answer(world):
    async with transaction(world.ctx.pool) as session:
        await import_file(session, EXAMPLE)
    liu = world.sb.add_user("刘书记", user_id=2001)  # the example org's organizer
    liu.start_bot()
    group = world.sb.add_group("东湖一网格居民群", [liu], bot_is_admin=True)
    await bind(world, group)
    await world.settle()
    before = len(world.sb.bot_messages(liu.id))
    said = [command.format(n=n) for command in COMMANDS for n in HOSTILE]
    for text in said:
        liu.say(liu.id, text)
    await world.settle(timeout=30)
    answers = [m.text or "" for m in world.sb.bot_messages(liu.id)][before:]
    async with world.ctx.pool() as session:
        failed = list(await session.scalars(
            select(InboxUpdate.error).where(InboxUpdate.status == "failed")))
    assert failed == []
    assert len(answers) >= len(said) - len(HOSTILE)  # /start case_N may answer the greeting
    assert all(HAN.search(a) for a in answers), answers
    assert not any(C.INTERNAL_ERROR in a for a in answers), answers
