"""Groups and organisation through the real bot over HTTP."""
import asyncio
import socket
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select

from bot.db.models import GroupChat, InboxUpdate, Role
from bot.db.session import transaction
from bot.org.orgfile import import_file
from demo.world import World
from tests.harness import bind

EXAMPLE = Path(__file__).parents[1] / "examples" / "org.yaml"


async def load_org(world) -> None:
    async with transaction(world.ctx.pool) as session:
        await import_file(session, EXAMPLE)


async def test_added_to_a_group_says_hello_and_warns_about_privacy(world):
    liu = world.sb.add_user("刘书记", user_id=2001)
    liu.start_bot()
    await world.settle()  # known to have started the bot before adding it (workers race)
    group = world.sb.add_group("东湖三网格", [liu], creator=liu)
    await world.sb.wait_for(group.id, lambda m: "/bind" in m.text)
    # #13.11: the warning is for whoever added the bot, privately, not for residents
    warning = await world.sb.wait_for(liu.id, lambda m: "setprivacy" in m.text)
    assert "管理员" in warning.text and "东湖三网格" in warning.text
    world.sb.set_bot_status(group, "administrator", by=liu)
    ok = await world.sb.wait_for(liu.id, lambda m: "看到群里的发言" in m.text)
    assert "管理员" in ok.text
    await world.settle()
    assert not [m for m in world.sb.bot_messages(group.id) if "setprivacy" in m.text]


async def test_no_privacy_warning_when_the_bot_can_read_everything(world):
    world.sb.set_privacy(False)
    liu = world.sb.add_user("刘书记", user_id=2001)
    group = world.sb.add_group("东湖三网格", [liu], creator=liu)
    await world.sb.wait_for(group.id, lambda m: "/bind" in m.text)
    await world.settle()
    assert not [m for m in world.sb.bot_messages(group.id) if "setprivacy" in m.text]


async def test_organizer_binds_a_group_with_buttons(world):
    await load_org(world)
    liu = world.sb.add_user("刘书记", user_id=2001)
    alice = world.sb.add_user("王阿姨")
    group = world.sb.add_group("新居民群", [liu, alice], creator=liu, bot_is_admin=True)
    alice.say(group, "/bind")
    refused = await world.sb.wait_for(group.id, lambda m: "只有社区工作人员" in m.text)
    assert refused
    liu.say(group, "/bind")
    menu = await world.sb.wait_for(group.id, lambda m: "请选择" in m.text)
    assert menu.button_texts == ["东湖社区 · 第一网格", "东湖社区 · 第二网格"]
    forged = world.sb.press(alice, menu, "东湖社区 · 第二网格")
    assert "只有社区工作人员" in (await forged.text())
    press = world.sb.press(liu, menu, "东湖社区 · 第二网格")
    assert await press.text() == "已绑定"
    await world.settle()
    assert "已绑定到「东湖社区 · 第二网格」" in world.sb.messages(group.id)[-1].text
    async with world.ctx.pool() as session:
        bound = await session.scalar(select(GroupChat).where(GroupChat.chat_id == group.id))
    assert bound.grid_id == 2


async def test_organizer_makes_a_grid_worker_by_reply(world):
    await load_org(world)
    liu = world.sb.add_user("刘书记", user_id=2001)
    zhao = world.sb.add_user("赵师傅", "zhao")
    zhao.start_bot()
    group = world.sb.add_group("东湖一网格居民群", [liu, zhao], creator=liu, bot_is_admin=True)
    await bind(world, group)
    hello = zhao.say(group, "大家好，我是新来的赵师傅")
    liu.say(group, "/worker", reply_to=hello)
    done = await world.sb.wait_for(group.id, lambda m: "网格员" in m.text and "赵师傅" in m.text)
    assert "第一网格" in done.text
    note = await world.sb.wait_for(zhao.id, lambda m: "/mycases" in m.text)
    assert "第一网格" in note.text
    zhao.say(zhao.id, "/whoami")
    who = await world.sb.wait_for(zhao.id, lambda m: "（ID" in m.text)
    assert "网格员（东湖社区 · 第一网格）" in who.text
    async with world.ctx.pool() as session:
        roles = list(await session.scalars(select(Role).where(Role.role == "grid_worker")))
    assert len(roles) == 4


async def test_unknown_command_in_private_gets_help(world):
    alice = world.sb.add_user("王阿姨")
    alice.start_bot()
    await world.sb.wait_for(alice.id)
    alice.say(alice.id, "/fly_me_to_the_moon")
    reply = await world.sb.wait_for(alice.id)
    assert "没有这个命令" in reply.text and "/help" in reply.text


async def test_malformed_update_is_kept_as_failed_and_the_bot_carries_on(world):
    await world.app.inbox.store([{"update_id": 7, "message": {"text": "no chat, no date"}}])
    alice = world.sb.add_user("王阿姨")
    alice.start_bot()
    assert "邻里" in (await world.sb.wait_for(alice.id)).text
    await world.settle()
    async with world.ctx.pool() as session:
        row = await session.get(InboxUpdate, 7)
    assert row.status == "failed" and "malformed" in row.error


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook_round_trip_checks_the_secret(sandbox, settings, clock):
    port = free_port()
    hooked = settings.model_copy(update={
        "webhook_url": f"http://127.0.0.1:{port}/telegram", "webhook_secret": SecretStr("s3cret-token"),
        "webhook_host": "127.0.0.1", "webhook_port": port,
    })
    async with World.attach(sandbox, hooked, clock, mode="webhook") as w:
        alice = w.sb.add_user("王阿姨")
        alice.start_bot()
        reply = await w.sb.wait_for(alice.id, timeout=10)
        assert "邻里" in reply.text
        deliveries = sandbox.webhook_deliveries
        assert deliveries and all(d.status == 200 for d in deliveries)
        import aiohttp

        async with aiohttp.ClientSession() as http:
            bad = await http.post(f"http://127.0.0.1:{port}/telegram",
                                  json={"update_id": 1, "message": {}},
                                  headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
            assert bad.status == 401
        async with w.ctx.pool() as session:
            assert await session.get(InboxUpdate, 1) is None


async def test_updates_racing_for_the_same_new_person_make_one_row(world):
    """A new resident writes in two chats at once: the two updates are handled in
    parallel and both insert the same person; unique keys and a retry keep one row."""
    from bot.db.models import Person

    bob = world.sb.add_user("小赵")
    liu = world.sb.add_user("刘书记", user_id=2001)
    group = world.sb.add_group("楼栋群", [liu, bob], creator=liu, bot_is_admin=True)
    await world.settle()
    world.sb.bot.started.add(bob.id)
    bob.say(group, "/help")
    bob.say(bob.id, "/start")
    await world.sb.wait_for(bob.id, lambda m: "邻里" in m.text)
    await world.sb.wait_for(group.id, lambda m: "您可以使用" in m.text)
    await world.settle()
    async with world.ctx.pool() as session:
        rows = list(await session.scalars(select(Person).where(Person.tg_id == bob.id)))
        pending = list(await session.scalars(
            select(InboxUpdate).where(InboxUpdate.status != "done")))
    assert len(rows) == 1 and rows[0].started_bot
    assert pending == []


async def test_command_menus_are_set_per_scope(sandbox, settings, clock):
    liu = sandbox.add_user("刘书记", user_id=2001)
    zhang = sandbox.add_user("张网格员", user_id=1001)
    for person in (liu, zhang):
        person.start_bot()
    async with World.attach(sandbox, settings, clock) as w:
        await w.settle()  # their /start first: the org import then updates them
        await load_org(w)
    async with World.attach(sandbox, settings, clock):  # menus are published at start,
        for _ in range(200):  # in the background: the last one is the worker's
            menus = {(kind, chat): [c["command"] for c in cmds]
                     for (kind, chat, _user, _lang), cmds in sandbox.bot.commands.items()}
            if ("chat", 1001) in menus and ("chat", 2001) in menus:
                break
            await asyncio.sleep(0.05)
    assert "report" in menus[("all_private_chats", None)]
    assert "bind" in menus[("all_group_chats", None)]
    assert "report" not in menus[("all_group_chats", None)]
    assert {"mycases", "stats", "poll_new"} <= set(menus[("chat", 2001)])
    assert "mycases" in menus[("chat", 1001)] and "stats" not in menus[("chat", 1001)]


async def test_cancel_leaves_any_dialog_and_says_so(world):
    alice = world.sb.add_user("王阿姨")
    alice.start_bot()
    await world.sb.wait_for(alice.id)
    alice.say(alice.id, "/cancel")
    assert "没有进行中的操作" in (await world.sb.wait_for(alice.id)).text
    alice.say(alice.id, "/report")
    await world.sb.wait_for(alice.id, lambda m: "请描述" in m.text)
    alice.say(alice.id, "/cancel")
    assert "已取消" in (await world.sb.wait_for(alice.id)).text
    alice.say(alice.id, "2号楼门口路灯坏了")
    hint = await world.sb.wait_for(alice.id)
    assert "已登记工单" not in hint.text  # the dialog is over: no case from this
