"""Issue #13 "A week in a real community", points 11 (chart captions, the 参与 answer),
15 (查看进度 on digests and rating prompts) and 16 (case settings in the org file),
through the real bot against the local Bot API server."""
from __future__ import annotations

from tests.test_cases_e2e import case_row, setup


def _links(message) -> list[str]:  # type: ignore[no-untyped-def]
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [b["url"] for row in rows for b in row if "url" in b]


async def _resolve(world, zhang):  # type: ignore[no-untyped-def]
    sb = world.sb
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    await sb.press(zhang, task, "接单").answer()
    await world.settle()
    await sb.press(zhang, task, "已解决").answer()
    await sb.wait_for(zhang.id, lambda m: "办理结果" in m.body)
    sb.send_photo(zhang, zhang.id, caption="路灯已修好")
    await world.settle()


async def test_digest_and_rating_prompt_link_to_the_case(world):
    """#13.15: the group digest (reporter never started the bot) and the private rating
    prompt carry the 查看进度 link to the case in private."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    sb.say(wang, group, "2号楼门口路灯坏了")
    await _resolve(world, zhang)
    await world.advance(minutes=11)
    digest = await sb.wait_for(group.id, lambda m: "不满意" in m.button_texts)
    case = await case_row(world, "东湖-2026-0001")
    assert "查看进度" in digest.button_texts
    assert _links(digest)[0].endswith(f"?start=case_{case.id}"), digest.reply_markup
    chen.say(group, "3号楼门口的路灯也坏了")
    await _resolve(world, zhang)
    prompt = await sb.wait_for(chen.id, lambda m: "满意" in m.button_texts)
    case = await case_row(world, "东湖-2026-0002")
    assert _links(prompt) and _links(prompt)[0].endswith(f"?start=case_{case.id}")
    update = await sb.wait_for(chen.id, lambda m: "您反映的工单" in m.body, include_seen=True)
    assert _links(update) and _links(update)[0].endswith(f"?start=case_{case.id}")


async def test_every_chart_says_what_it_shows(world):
    """#13.11: each /stats chart has a caption: what it shows, the period, how many cases."""
    from bot.reports import texts as RT
    from tests.test_reports_e2e import _organizer

    user, _ = await _organizer(world)
    user.say(user.id, "/stats")
    shown = await world.sb.wait_for(user.id)
    await world.sb.press(user, shown, "上月")
    await world.settle()
    await world.sb.press(user, world.sb.bot_messages(user.id)[-1], RT.STATS_CHARTS)
    await world.settle()
    captions = [m.caption or "" for m in world.sb.bot_messages(user.id) if m.photo is not None]
    assert len(captions) == 3, captions
    categories, trend, rates = captions
    assert "各类诉求数量" in categories and "2026年10月" in categories and "共 " in categories
    assert "每周趋势" in trend and "近 8 周" in trend and "新增" in trend and "办结" in trend
    assert "响应率" in rates and "2026年10月" in rates and "应受理 5 件" in rates


async def test_choosing_how_to_take_part_answers_briefly(world):
    """#13.11: 我要参与 → 出力 answers with a short thanks, not a usage text in an alert."""
    from tests.test_projects_e2e import setup as projects_setup

    sb = world.sb
    zhang, li, chen, g1, g2, gw = await projects_setup(world)
    zhang.say(zhang.id, "/project_new\n标题：充电棚\n群：全部")
    post = await sb.wait_for(g1.id, lambda m: "项目 #1" in m.body)
    await sb.press(chen, post, "🙋 我要参与")
    choose = await sb.wait_for(g1.id, lambda m: "您想怎样参与" in m.body)
    answer = await sb.press(chen, choose, next(b for b in choose.button_texts if "出力" in b))
    assert "已记录" in answer["text"] and "用法" not in answer["text"], answer
    assert len(answer["text"]) <= 40


SETTINGS_YAML = """
communities:
  - name: 东湖社区
    code: 东湖
    settings:
      sla:
        urgent: {accept_minutes: 20, resolve_hours: 12}
        categories: {elevator: {accept_minutes: 15}}
        rating_days: 5
      photo_required: [sanitation]
      project_stale_days: 10
"""


async def test_case_settings_are_checked_in_the_org_file_and_shown(world, tmp_path):
    """#13.16: the org file's `settings:` is checked (unknown key, bad value: the line);
    /settings shows organizers what is in force, default or their own."""
    import pytest

    from bot.db.session import transaction
    from bot.org import OrgFileError, import_file

    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    path = tmp_path / "org.yaml"
    path.write_text(SETTINGS_YAML.replace("rating_days: 5", "rating_day: 5")
                    .replace("[sanitation]", "[sanitaton]")
                    .replace("resolve_hours: 12", "resolve_hours: 十二")
                    .replace("project_stale_days: 10", "project_stale_days: 10\n      sla_hours: 3"),
                    encoding="utf-8")
    with pytest.raises(OrgFileError) as failed:
        async with transaction(world.ctx.pool) as session:
            await import_file(session, path)
    errors = "\n".join(failed.value.errors)
    assert "line 7: settings.sla: unknown key 'rating_day'" in errors, errors
    assert "line 7: settings.sla.urgent.resolve_hours: expected a positive number" in errors
    assert "unknown category 'sanitaton'" in errors and "unknown key 'sla_hours'" in errors
    path.write_text(SETTINGS_YAML, encoding="utf-8")
    async with transaction(world.ctx.pool) as session:
        await import_file(session, path)
    liu.say(liu.id, "/settings")
    shown = await sb.wait_for(liu.id, lambda m: "工单设置" in m.body and "紧急诉求" in m.body)
    assert "紧急诉求：受理 20 分钟内，办结 12 小时内（本社区设置）" in shown.text, shown.text
    assert "一般诉求：受理 120 分钟内，办结 72 小时内（默认）" in shown.text
    assert "电梯：受理 15 分钟内" in shown.text and "办结后 5 天未评价" in shown.text
    assert "环境卫生" in shown.text and "project_stale_days: 10" in shown.text
    chen.say(chen.id, "/settings")
    await sb.wait_for(chen.id, lambda m: "只有社区工作人员可以查看工单设置" in m.body)
