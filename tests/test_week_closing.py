"""Issue #13 "A week in a real community", closing round: the sub-defects that had no
test through the sandbox yet (a voice message, the /case example of another community,
a milestone done as residents see it, the 监督员 told), and the family members found
when the demo was read as a community worker would (a poll's result chart without a
caption, an overdue mark on a deadline that has not passed)."""
from __future__ import annotations

import time

from bot.db.models import Community, Grid
from bot.db.session import transaction
from bot.org import service as org
from tests.test_cases_e2e import setup


async def test_a_voice_message_is_asked_about(world):
    """#13.13: a voice message in the group is not ignored: the sender is asked what the
    problem is, privately when they have started the bot, in the thread otherwise."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    bot = next(iter(sb.world.bots.values()))
    for user, message_id in ((chen, 90001), (wang, 90002)):
        bot.push_update("message", {
            "message_id": message_id, "date": int(time.time()),
            "chat": sb.world.chats[group.id].to_api(sb.world), "from": user.user.to_api(),
            "voice": {"file_id": f"voice{message_id}", "file_unique_id": f"v{message_id}",
                      "duration": 4, "mime_type": "audio/ogg"}})
    asked = await sb.wait_for(chen.id, lambda m: "语音" in m.body)
    assert "东湖一网格居民群" in asked.text and "什么问题" in asked.text
    await sb.wait_for(group.id, lambda m: "收到您的语音" in m.body)  # wang never started it


async def test_the_case_usage_example_is_the_askers_own_community(world):
    """#13.11: the /case usage names a number of the asker's community, not 东湖's."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    wu = sb.add_user("吴书记")
    wu.start_bot()
    async with transaction(world.ctx.pool) as session:
        west = Community(name="西湖社区", code="西湖")
        session.add(west)
        await session.flush()
        session.add(Grid(community_id=west.id, name="西湖一网格"))
        person = await org.upsert_person(session, tg_id=wu.id, username=None, name="吴书记")
        await org.grant(session, person, "organizer", west.id)
    await world.settle()
    wu.say(wu.id, "/case")
    how = await sb.wait_for(wu.id, lambda m: "用法" in m.body)
    assert "/case 西湖-2026-0001" in how.text and "东湖" not in how.text, how.text
    liu.say(liu.id, "/case")
    assert "/case 东湖-2026-0001" in (await sb.wait_for(liu.id, lambda m: "用法" in m.body)).text


async def test_a_milestone_done_never_lowers_the_bar_residents_see(world):
    """#13.4: a project at 30 % whose first milestone (a quarter of the weight) is done
    stays at 30 % in the group post, not 25 %; the 监督员 named in the form is told."""
    from tests.test_projects_e2e import setup as projects_setup

    sb = world.sb
    zhang, li, chen, g1, g2, gw = await projects_setup(world)
    zhang.say(zhang.id, "/project_new\n标题：充电棚\n群：一网格\n监督员：@lishifu\n"
                        "节点：方案公示 2026-12-20\n节点：施工 2027-01-10 权重3")
    await sb.wait_for(g1.id, lambda m: "项目 #1｜充电棚" in m.body)
    told = await sb.wait_for(li.id, lambda m: "居民监督员" in m.body)
    assert "项目 #1" in told.text and "/project_update 1" in told.text, told.text
    zhang.say(zhang.id, "/project_update 1 地基打好了 30%")
    await sb.wait_for(g1.id, lambda m: "地基打好了" in m.body)
    zhang.say(zhang.id, "/project_update 1 完成1 方案公示结束")
    post = await sb.wait_for(g1.id, lambda m: "节点完成：方案公示" in m.body)
    assert "▓▓▓░░░░░░░ 30%" in post.text, post.text
    zhang.say(zhang.id, "/project_update 1 完成2 施工结束")
    post = await sb.wait_for(g1.id, lambda m: "节点完成：施工" in m.body)
    assert "▓▓▓▓▓▓▓▓▓▓ 100%" in post.text, post.text


async def test_a_poll_result_chart_says_what_it_shows(world):
    """#13.11 (charts arrive without a caption), the poll member of the family: the result
    chart in the group and after /poll_results carries the question and the turnout."""
    from tests.test_polls_e2e import dialog, press, reply
    from tests.test_polls_e2e import setup as polls_setup

    liu, chen, wang, _zhao, g1, _g2 = await polls_setup(world)
    sb = world.sb
    summary = await dialog(world, liu, opens=None, closes="1天", groups=("东湖一网格居民群",),
                           public=False)
    await press(world, liu, summary, "✅ 确认", "已保存民意调查")
    poll = await sb.wait_for(g1.id, lambda m: m.poll_id is not None)
    sb.vote(chen, poll, [0])
    sb.vote(wang, poll, [1])
    await world.settle()
    await world.advance(days=1)
    chart = await sb.wait_for(g1.id, lambda m: m.photo is not None)
    assert "民意调查 #1" in chart.body and "小区停车位收费是否调整" in chart.body, chart.body
    assert "2 人投票" in chart.body, chart.body
    await reply(world, liu, "/poll_results 1", "结果：")
    again = await sb.wait_for(liu.id, lambda m: m.photo is not None)
    assert "民意调查 #1" in again.body and "2 人投票" in again.body


async def test_a_fresh_deadline_after_a_missed_one_is_not_shown_as_passed(world):
    """#13.3 as a worker reads it: after a missed accept deadline the case moves on with
    its own deadline; the card says the old one was missed and the new one is ahead,
    never "⏰已超时" in front of a time still to come."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, "2号楼门口路灯坏了")
    await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    await world.advance(hours=2, minutes=1)  # normal: 2 hours to accept, nobody did
    await sb.wait_for(liu.id, lambda m: "超时未受理" in m.body)
    liu.say(liu.id, "/case 东湖-2026-0001")
    card = await sb.wait_for(liu.id, lambda m: "📋 工单 东湖-2026-0001" in m.body)
    assert "状态：待受理（社区）" in card.text, card.text
    assert "⏰原时限" in card.text and "已超时，现受理时限：" in card.text, card.text
    assert "⏰已超时 受理时限" not in card.text


async def test_bind_with_no_grids_speaks_plainly_in_the_group(world):
    """#13.11: /bind before any grid exists: no backticks, no shell command in a group."""
    sb = world.sb
    admin = sb.add_user("系统管理员", user_id=900)  # LINLI_ADMIN_IDS of the test settings
    admin.start_bot()
    async with transaction(world.ctx.pool) as session:
        session.add(Community(name="新村社区", code="新村"))  # imported without its grids
    group = sb.add_group("新小区群", [admin], creator=admin, bot_is_admin=True)
    await world.settle()
    admin.say(group, "/bind")
    answer = await sb.wait_for(group.id, lambda m: "网格" in m.body and "大家好" not in m.body)
    assert "还没有可绑定的网格" in answer.text, answer.text
    for word in ("`", "linli", "org import", ".yaml"):
        assert word not in answer.text


def test_a_malformed_token_is_told_the_expected_shape():
    """#13.16: a made-up short token is refused as malformed with the shape it must have."""
    import pytest

    from bot.config import Settings, TokenError, check_token

    with pytest.raises(TokenError) as refused:
        check_token(Settings(_env_file=None, bot_token="12345:abc"))
    assert "malformed" in str(refused.value) and "123456789:AA" in str(refused.value)
