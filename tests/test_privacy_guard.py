"""Issue #18 item 3: a group message with a phone or ID number does not stay as written —
removed and reposted masked when the bot is an admin, advice otherwise; /guard turns it
off per group. Through the real bot against the local Bot API server."""
from __future__ import annotations

from tests.test_cases_e2e import setup

PHONE = "13912345678"


async def test_admin_bot_removes_and_reposts_masked_and_the_case_still_opens(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    said = chen.say(group, f"3号楼电梯坏了两天了，有事打我电话 {PHONE}")
    repost = await sb.wait_for(group.id, lambda m: "号码已隐藏" in m.body)
    assert repost.text.startswith("陈阿姨 说") and PHONE not in repost.text
    assert "电梯坏了" in repost.text
    await sb.wait_for(chen.id, lambda m: "已把原消息删除" in m.body)
    await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)  # the case opened as usual
    await world.settle()
    assert said.message_id not in {m.message_id for m in sb.messages(group.id)}
    assert all(PHONE not in m.body for m in sb.messages(group.id))


async def test_a_number_added_by_editing_is_removed_too(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    said = chen.say(group, "3号楼电梯坏了两天了")
    await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    sb.edit(chen, said, f"3号楼电梯坏了两天了，有事打我电话 {PHONE}")
    repost = await sb.wait_for(group.id, lambda m: "号码已隐藏" in m.body)
    assert PHONE not in repost.text and "电梯坏了" in repost.text
    await world.settle()
    assert said.message_id not in {m.message_id for m in sb.messages(group.id)}
    assert all(PHONE not in m.body for m in sb.messages(group.id))


async def test_without_admin_rights_the_speaker_is_told_how_to_delete(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    sb.set_privacy(False)  # a member bot sees plain messages only with privacy mode off
    sb.set_bot_status(group, "member", by=liu)
    await world.settle()
    chen.say(group, f"身份证号 110101199003071234 办居住证要吗 电话 {PHONE}")
    await sb.wait_for(chen.id, lambda m: "长按那条消息" in m.body)
    # wang never started the bot: the advice goes to the group, without the number
    wang.say(group, f"我的电话{PHONE}，楼下车库漏水")
    advice = await sb.wait_for(group.id, lambda m: "长按消息" in m.body)
    assert PHONE not in advice.text
    await world.settle()
    assert sum(PHONE in m.body for m in sb.messages(group.id)) == 2  # not removed: no rights


async def test_an_organizer_turns_it_off_and_a_resident_cannot(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, "/guard 关")
    await sb.wait_for(group.id, lambda m: "只有本社区的组织者" in m.body)
    liu.say(group, "/guard 关")
    await sb.wait_for(group.id, lambda m: "号码保护：关闭" in m.body)
    chen.say(group, f"有事联系 {PHONE}")
    await world.settle()
    assert not any("号码已隐藏" in m.body for m in sb.messages(group.id))
    liu.say(group, "/guard 开开")
    await sb.wait_for(group.id, lambda m: "用法" in m.body)
    liu.say(group, "/guard")
    await sb.wait_for(group.id, lambda m: "号码保护：关闭" in m.body and "/guard 开" in m.body)
    liu.say(group, "/guard 开")
    await sb.wait_for(group.id, lambda m: "号码保护：开启" in m.body)


async def test_look_alikes_are_left_alone(world):
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, "物业电话 96110，工单 东湖-2026-0001，2026年11月23日交了物业费 1280 元")
    await world.settle()
    assert not any("号码已隐藏" in m.body or "长按" in m.body for m in sb.messages(group.id))
