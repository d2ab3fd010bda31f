"""Issue 18 tried as people would, through the real bot against the local Bot API server:
a resident who never started the bot, a resident who uses /forget while their case is open
and a poll is running, an organizer exporting the ledger and a poll."""
from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from bot.db.models import Case, ExportAudit, InboxUpdate, Person
from bot.db.models.polls import PollVote
from bot.db.models.projects import Pledge
from bot.db.session import transaction
from bot.org import service as org
from tests.test_cases_e2e import setup
from tests.test_polls_e2e import dialog, press

PHONE = "13812345678"
SECRETS = ("138", "1234", "5678", "浙A", "D12345", "1802")


def _calls_to(sb, chat_id: int, since: int = 0) -> list:  # type: ignore[no-untyped-def]
    return [r for r in sb.requests[since:] if str(r.params.get("chat_id")) == str(chat_id)]


async def _person(world, tg_id: int) -> Person | None:  # type: ignore[no-untyped-def]
    async with world.ctx.pool() as session:
        return await session.scalar(select(Person).where(Person.tg_id == tg_id))


async def test_a_resident_who_never_started_the_bot(world):  # type: ignore[no-untyped-def]
    zhang, liu, chen, wang, group = await setup(world, reporter_started=False)
    sb = world.sb
    hi = wang.say(group, "大家早上好，今天天气不错")  # chatter from someone who never started it
    await world.settle()
    assert await _person(world, wang.id) is None  # not stored
    async with world.ctx.pool() as session:
        row = await session.get(InboxUpdate, max(await session.scalars(
            select(InboxUpdate.update_id))))
    assert row is not None and hi.text not in json.dumps(row.payload, ensure_ascii=False)

    said = chen.say(group, f"3号楼2单元1802的住户天天往楼下扔烟头，把我的车浙A·D12345烫坏了，"
                           f"我电话 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}")
    repost = await sb.wait_for(group.id, lambda m: "号码已隐藏" in m.body)
    assert repost.text.startswith("陈阿姨 说") and "扔烟头" in repost.text
    assert not any(secret in repost.text for secret in SECRETS), repost.text
    await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)  # the case opened
    card = await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    await world.settle()
    assert said.message_id not in {m.message_id for m in sb.messages(group.id)}
    for message in sb.bot_messages(group):
        assert not any(secret in message.body for secret in SECRETS), message.body
    assert "陈阿姨" not in card.text  # group posts never name the reporter
    assert not _calls_to(sb, chen.id)  # nobody wrote to her: she never started the bot

    chen.say(group, "/whoami")
    await sb.wait_for(group.id, lambda m: "请先私聊我发送 /start" in m.body)
    chen.say(group, "/mydata")
    await sb.wait_for(group.id, lambda m: "私聊" in m.body and m.reply_to is not None)
    await world.settle()
    assert not any(str(chen.id) in m.body for m in sb.bot_messages(group))
    assert not any(m.document for m in sb.bot_messages(group))

    chen.start_bot()
    chen.say(chen.id, "/mydata")
    sent = await sb.wait_for(chen.id, lambda m: m.document is not None)
    data = json.loads(sent.document.data.decode())
    assert [c["number"] for c in data["cases"]["items"]] == ["东湖-2026-0001"]
    assert data["profile"]["telegram_id"] == chen.id and data["profile"]["name"] == "陈阿姨"
    assert all(part["purpose"] for part in data.values() if isinstance(part, dict)
               and "purpose" in part)


async def _register(world, user, household: str) -> None:  # type: ignore[no-untyped-def]
    """The organizer has put the resident on the register (a registered resident)."""
    async with transaction(world.ctx.pool) as session:
        person = await org.upsert_person(session, tg_id=user.id, name=user.first_name)
        assert isinstance(person, Person)
        person.household = household
        community = (await org.organizer_communities(
            session, await org.person_by_tg(session, 2001), []))[0]
        await org.grant(session, person, "resident", community.id)


async def test_forget_while_a_case_is_open_and_a_poll_is_running(world):  # type: ignore[no-untyped-def]
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    await _register(world, chen, "3-2-301")
    await _register(world, wang, "3-2-302")
    liu.say(liu.id, "/project_new\n标题：小区健身角改造\n说明：旧器材换新\n预算：20000")
    await sb.wait_for(liu.id, lambda m: "已创建项目 #1" in m.body)
    chen.say(group, "/pledge 1 出力 周末来帮忙搬器材")
    await sb.wait_for(group.id, lambda m: "已记录" in m.body)
    chen.say(group, f"3号楼2单元301楼道灯坏了好几天了，有事打我电话{PHONE}")
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    summary = await dialog(world, liu, opens=None, closes="1天", who="仅登记居民",
                           groups=("东湖一网格居民群",), public=False)
    await press(world, liu, summary, "✅ 确认", "已保存民意调查")
    post = await sb.wait_for(group.id, lambda m: "请点击下面的选项按钮进行投票" in m.body)
    assert "已记录" in (await sb.press(chen, post, "同意").text() or "")
    assert "已记录" in (await sb.press(wang, post, "不同意").text() or "")
    await world.settle()

    chen.say(chen.id, "/mydata")
    sent = await sb.wait_for(chen.id, lambda m: m.document is not None)
    data = json.loads(sent.document.data.decode())
    assert [c["number"] for c in data["cases"]["items"]] == ["东湖-2026-0001"]
    assert [v["choices"] for v in data["votes"]["items"]] == [["同意"]]
    assert [p["note"] for p in data["pledges"]["items"]] == ["周末来帮忙搬器材"]
    for part in ("cases", "votes", "pledges", "profile", "roles"):
        assert data[part]["purpose"], part

    chen.say(chen.id, "/forget")
    ask = await sb.wait_for(chen.id, lambda m: "不能撤销" in m.body)
    await sb.press(chen, ask, "确认删除我的信息").answer()
    await world.settle()
    done = [m.body for m in sb.messages(chen.id) if "已删除您的个人信息" in m.body]
    assert done and "工单 1 件" in done[0] and "投票 1 条" in done[0] and "承诺 1 条" in done[0]
    forgotten = len(sb.requests)

    # The open case goes on with the staff, anonymously.
    async with world.ctx.pool() as session:
        case = await session.scalar(select(Case))
        assert case.reporter_id is None and case.anonymous and PHONE not in case.text
        assert await session.scalar(select(func.count()).select_from(Pledge)) == 0
        assert await session.scalar(select(func.count()).select_from(PollVote)) == 1
    zhang.say(zhang.id, "/case 东湖-2026-0001")
    view = await sb.wait_for(zhang.id, lambda m: "东湖-2026-0001" in m.body and m.seq > task.seq
                             and "陈阿姨" not in m.body and "匿名" in m.body)
    assert PHONE not in view.text
    assert (await sb.press(zhang, task, "接单").text() or "").startswith("已接单")
    await world.settle()

    # The poll counts what is left; nobody is named; the project forgets the pledge.
    await world.advance(days=1)
    result = await sb.wait_for(group.id, lambda m: "结果：" in m.body)
    assert "不同意：1 票" in result.text and "同意：0 票" in result.text
    assert "陈阿姨" not in result.text and "王大爷" not in result.text
    liu.say(liu.id, "/project 1")
    card = await sb.wait_for(liu.id, lambda m: "时间线" in m.body)
    assert "出力 1 人" not in card.text
    await world.settle()
    assert not _calls_to(sb, chen.id, forgotten)  # never written to again
    assert await _person(world, chen.id) is None


def _ledger_rows(doc) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """CSV cells starting with = + - @ carry a "'"; xlsx cells are text, never formulas."""
    if doc.document.data[:2] == b"PK":
        sheet = openpyxl.load_workbook(io.BytesIO(doc.document.data)).active
        assert not [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]
        head, *rows = list(sheet.iter_rows(values_only=True))
        return [dict(zip(head, ("" if v is None else str(v) for v in r), strict=True))
                for r in rows]
    return list(csv.DictReader(io.StringIO(doc.document.data.decode("utf-8-sig"))))


async def test_an_organizer_exports_the_ledger_and_an_anonymous_poll(world, tmp_path):  # type: ignore[no-untyped-def]
    from bot.polls import export as poll_export
    from bot.privacy import audit

    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    await _register(world, chen, "3-2-301")
    await _register(world, wang, "3-2-302")
    summary = await dialog(world, liu, opens=None, closes="1天", who="登记居民，每户一票",
                           groups=("东湖一网格居民群",), public=False)
    await press(world, liu, summary, "✅ 确认", "已保存民意调查")
    post = await sb.wait_for(group.id, lambda m: "请点击下面的选项按钮进行投票" in m.body)
    voted = len(sb.requests)
    assert "已记录" in (await sb.press(chen, post, "同意").text() or "")
    assert "已记录" in (await sb.press(wang, post, "不同意").text() or "")
    await world.settle()
    await world.advance(days=1)
    result = await sb.wait_for(group.id, lambda m: "结果：" in m.body)
    assert "同意：1 票" in result.text and "不同意：1 票" in result.text
    calls = json.dumps([(r.method, r.params) for r in sb.requests[voted:]
                        if str(r.params.get("chat_id")) not in (str(chen.id), str(wang.id))],
                       ensure_ascii=False, default=str)
    for voter in (chen, wang):
        assert not re.search(rf"(?<![0-9]){voter.id}(?![0-9])", calls), voter.id
        assert voter.first_name not in calls, [
            (r.method, r.params) for r in sb.requests[voted:] if voter.first_name in str(r.params)]
    assert "3-2-301" not in calls and "3-2-302" not in calls

    chen.say(group, f"@物业 3号楼2单元1802的住户把电动车推进楼道充电，浙A·D12345的车也堵在"
                    f"单元门口，我电话{PHONE}")
    await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    wang.say(group, "=HYPERLINK(\"http://x\",\"点我\") 5号楼电梯坏了，困人了")
    await sb.wait_for(zhang.id, lambda m: "新工单" in m.body and "5号楼" in m.body)

    for fmt in ("csv", "xlsx"):
        liu.say(liu.id, f"/export 2026-11-01 2026-11-30 {fmt}")
        doc = await sb.wait_for(liu.id, lambda m, ext=fmt: m.document is not None
                                and (m.document.file_name or "").endswith(ext))
        rows = _ledger_rows(doc)
        assert len(rows) == 2, rows
        for row in rows:
            shown = json.dumps(row, ensure_ascii=False)
            assert not any(secret in shown for secret in SECRETS), shown
            assert "陈阿姨" not in shown and "王大爷" not in shown
        assert {row["反映人"] for row in rows} == {"陈*姨", "王*爷"}
        quote = "'" if fmt == "csv" else ""
        assert {row["内容"][:len(quote) + 3] for row in rows} == {f"{quote}@物业", f"{quote}=HY"}

    async with transaction(world.ctx.pool) as session:
        organizer = await org.person_by_tg(session, liu.id)
        for fmt in ("csv", "xlsx"):
            await poll_export.export(session, 1, tmp_path / f"poll.{fmt}", fmt, world.ctx.tz,
                                     who=audit.telegram_user(liu.id, "刘书记"),
                                     person_id=organizer.id)
    csv_text = (tmp_path / "poll.csv").read_text(encoding="utf-8-sig")
    book = openpyxl.load_workbook(tmp_path / "poll.xlsx")
    xlsx_text = json.dumps([list(r) for s in book for r in s.iter_rows(values_only=True)],
                           ensure_ascii=False, default=str)
    for text in (csv_text, xlsx_text):
        assert "同意" in text and "陈阿姨" not in text and "王大爷" not in text
        assert "3-2-30" not in text and "2026-11" not in text  # no household, no time
    async with world.ctx.pool() as session:
        audits = list(await session.scalars(select(ExportAudit).order_by(ExportAudit.id)))
    assert [(a.what, a.fmt, a.masked) for a in audits] == [
        ("ledger", "csv", True), ("ledger", "xlsx", True), ("poll", "csv", True),
        ("poll", "xlsx", True)]
    liu.say(liu.id, "/exports")
    await sb.wait_for(liu.id, lambda m: "只有管理员可以查看导出记录" in m.body)


@pytest.mark.parametrize("defect", ["lookup", "database"])
async def test_a_defect_logs_no_personal_values(world, monkeypatch, caplog, defect):  # type: ignore[no-untyped-def]
    """A handler that fails (a lookup keyed by the text, an SQL error with the text as a
    parameter) leaves one log line with the update id and the error's kind, with a
    traceback; not the resident's words, name or number."""
    import bot.cases

    zhang, liu, chen, wang, group = await setup(world)

    async def broken(session, ctx, src, speaker, now):  # type: ignore[no-untyped-def]
        said = f"{speaker.name}：{src.text}"
        if defect == "lookup":
            return {}[said]
        await session.execute(sa.text("SELECT * FROM no_such_table WHERE x = :said"),
                              {"said": said})

    monkeypatch.setattr(bot.cases, "hear", broken)
    with caplog.at_level("DEBUG"):
        chen.say(group, f"楼道灯坏了，电话{PHONE}，3号楼2单元1802")
        await world.settle()
    if defect == "lookup":  # a defect: failed once, with where it happened
        assert re.search(r"update \d+ failed: KeyError \(message #\w{8}\)", caplog.text)
        assert "Traceback" in caplog.text and "in broken" in caplog.text
    else:  # SQLite: retried (a database error may be transient); PostgreSQL: failed
        assert re.search(r"update \d+(: transient database error \(| failed: )"
                         r"(OperationalError|ProgrammingError): .*no_such_table", caplog.text)
    for value in (PHONE, "1802", "楼道灯", "陈阿姨"):
        assert value not in caplog.text, value


async def test_a_roll_call_is_an_explicit_choice_with_a_warning(world):  # type: ignore[no-untyped-def]
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    liu.say(liu.id, "/poll_new")
    await sb.wait_for(liu.id, lambda m: "第1步" in m.body)
    liu.say(liu.id, "是否同意更换物业？")
    await sb.wait_for(liu.id, lambda m: "第2步" in m.body)
    liu.say(liu.id, "同意\n不同意")
    step = await sb.wait_for(liu.id, lambda m: "第3步" in m.body)
    step = await press(world, liu, step, "单选", "第4步")
    assert "⚠️ 记名公开：群里所有人都会看到每个人投了什么" in step.text
    assert "匿名（推荐）" in step.button_texts
    summary = await dialog(world, liu, opens=None, closes="1天", groups=("东湖一网格居民群",),
                           public=True)
    assert "⚠️ 已选择记名公开" in summary.text
    await press(world, liu, summary, "✅ 确认", "已保存民意调查")
    poll = await sb.wait_for(group.id, lambda m: m.poll_id is not None)
    assert not sb.world.polls[poll.poll_id].is_anonymous
    assert any("⚠️ 记名投票：结果将公布各选项的投票人" in m.body for m in sb.bot_messages(group))
