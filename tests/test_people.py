"""The register of residents (一楼一档) through the real bot against the local Bot API
server: a roster with bad rows, a good roster twice, /join approved by the 楼栋长 and
rejected by an organizer, staff commands, a household poll; the org file section."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.db.models import Person, Role
from bot.db.models.people import Household, Resident, ResidentMove
from bot.db.session import transaction
from bot.org import OrgFileError, import_file
from bot.privacy.mask import mask
from tests.test_cases_e2e import forge

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "org.yaml"
ROSTER = (ROOT / "examples" / "roster.csv").read_bytes()
BAD = """东湖社区居民花名册（2026年11月）
姓名,房号,楼栋,电话,身份
陈阿姨,301,3号楼,13800000001,楼栋长
王奶奶,3o2,3号楼,,
李明,401,9号楼,12345,居民代表
张三,501,3号楼,,班长
""".encode()


async def setup(world):  # type: ignore[no-untyped-def]
    async with transaction(world.ctx.pool) as session:
        await import_file(session, EXAMPLE)
    sb = world.sb
    liu = sb.add_user("刘书记", user_id=2001)
    chen = sb.add_user("陈阿姨", user_id=5001)
    wang = sb.add_user("王大爷")
    zhao = sb.add_user("小赵")
    for user in (liu, chen, wang, zhao):
        user.start_bot()
    await world.settle()
    return liu, chen, wang, zhao


async def residents(world) -> int:  # type: ignore[no-untyped-def]
    async with world.ctx.pool() as session:
        return int(await session.scalar(select(func.count()).select_from(Resident)) or 0)


async def send_roster(world, user, data: bytes, name: str, expect: str):  # type: ignore[no-untyped-def]
    world.sb.send_document(user, user.id, data, name)
    return await world.sb.wait_for(user.id, lambda m: expect in m.body)


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_roster_bad_rows_then_good_twice(world):
    liu, chen, wang, _ = await setup(world)
    told = await send_roster(world, liu, BAD, "花名册.csv", "没有导入任何内容")
    assert "第4行：房号「3o2」" in told.text  # the spreadsheet's row numbers (title row 1)
    assert "第5行：" in told.text and "9号楼" in told.text and "电话「12345」" in told.text
    assert "第6行：身份「班长」" in told.text
    assert "第3行" not in told.text
    assert await residents(world) == 0
    # a resident sending a roster is refused; nothing imported
    await send_roster(world, wang, ROSTER, "roster.csv", "只有社区工作人员")

    done = await send_roster(world, liu, ROSTER, "roster.csv", "已导入")
    assert "新登记 6 人" in done.text and "共 5 户" in done.text
    again = await send_roster(world, liu, ROSTER, "roster.csv", "已导入")
    assert "新登记 0 人" in again.text and "无变化 6 人" in again.text
    assert await residents(world) == 6
    # the same register as xlsx, columns in another order, 全角 digits, a title row
    book = xlsx([["东湖社区 3号楼"], ["房号", "姓名", "楼栋", "单元", "电话"],
                 ["３０１", "陈阿姨", "３号楼", "二单元", "13800000001"]])
    third = await send_roster(world, liu, book, "3号楼.xlsx", "已导入")
    assert "新登记 0 人" in third.text and "无变化 1 人" in third.text
    async with world.ctx.pool() as session:
        person = await session.scalar(select(Person).where(Person.tg_id == chen.id))
        assert person is not None and person.household == "3-2-301"
        roles = set(await session.scalars(select(Role.role).where(Role.person_id == person.id)))
        assert "resident" in roles


async def test_join_approved_by_building_head_and_rejected(world):
    liu, chen, wang, zhao = await setup(world)
    sb = world.sb
    await send_roster(world, liu, ROSTER, "roster.csv", "已导入")
    wang.say(wang.id, "/join")
    pick = await sb.wait_for(wang.id, lambda m: "请选择您住的楼栋" in m.body)
    await sb.press(wang, pick, "3号楼").answer()
    await world.settle()  # the same message now lists the rooms
    assert "请选择您家的房号" in pick.body and "2-302" in pick.button_texts
    await sb.press(wang, pick, "2-302").answer()
    await sb.wait_for(wang.id, lambda m: "已提交登记申请" in m.body)
    ask = await sb.wait_for(chen.id, lambda m: "登记申请" in m.body)  # the 楼栋长 of 3号楼
    assert "王大爷" in ask.text and "3号楼2单元302" in ask.text and "王奶奶" in ask.text
    liu_copy = await sb.wait_for(liu.id, lambda m: "登记申请" in m.body)  # and the organizer
    forged = forge(sb, zhao, ask, ask.reply_markup["inline_keyboard"][0][0]["callback_data"])
    assert "楼栋长" in (await forged.text() or "")
    await sb.press(chen, ask, "✅ 同意").answer()
    await sb.wait_for(wang.id, lambda m: "登记申请已通过" in m.body)
    assert not ask.button_texts  # her message now says what she did
    again = await sb.press(liu, liu_copy, "❌ 不同意").text()  # the organizer, too late
    assert "已经处理过了（已同意）" in (again or "")
    wang.say(wang.id, "/join")
    assert "您已登记为" in (await sb.wait_for(wang.id, lambda m: "已登记" in m.body)).text

    zhao.say(zhao.id, "/join")
    pick = await sb.wait_for(zhao.id, lambda m: "请选择您住的楼栋" in m.body)
    await sb.press(zhao, pick, "5号楼").answer()  # no room registered there yet: typed
    await world.settle()
    assert "直接发送单元和房号" in pick.body
    zhao.say(zhao.id, "三楼那个")
    await sb.wait_for(zhao.id, lambda m: "没看懂这个房号" in m.body)
    zhao.say(zhao.id, "１单元５０１")
    await sb.wait_for(zhao.id, lambda m: "5号楼1单元501" in m.body and "已提交" in m.body)
    ask = await sb.wait_for(liu.id, lambda m: "小赵" in m.body and "登记申请" in m.body)
    await sb.press(liu, ask, "❌ 不同意").answer()
    await sb.wait_for(zhao.id, lambda m: "没有通过" in m.body)
    async with world.ctx.pool() as session:
        by_tg = {p.tg_id: p for p in await session.scalars(select(Person))}
        assert by_tg[wang.id].household == "3-2-302"
        assert by_tg[zhao.id].household is None


async def test_staff_commands_and_household_history(world):
    liu, _chen, _wang, _zhao = await setup(world)
    sb = world.sb
    liu.say(liu.id, "/resident_add 3号楼2单元301 孙奶奶 13900000009 党员中心户")
    assert "党员中心户" in (await sb.wait_for(liu.id, lambda m: "已登记" in m.body)).text
    liu.say(liu.id, "/resident_add 3号楼2单元301 孙奶奶 13900000009 党员中心户")
    await sb.wait_for(liu.id, lambda m: "已更新" in m.body)  # idempotent
    liu.say(liu.id, "/resident_add 9号楼301 钱某")
    await sb.wait_for(liu.id, lambda m: "没看懂房号" in m.body)
    liu.say(liu.id, "/resident_move 孙奶奶 3-2-402")
    await sb.wait_for(liu.id, lambda m: "从 3号楼2单元301 迁到 3号楼2单元402" in m.body)
    liu.say(liu.id, "/resident_remove 孙奶奶 搬去女儿家")
    await sb.wait_for(liu.id, lambda m: "已注销 孙奶奶" in m.body)
    liu.say(liu.id, "/household 3-2-301")
    card = await sb.wait_for(liu.id, lambda m: "变动记录" in m.body)
    assert "孙奶奶 登记入住" in card.text and "迁出（到 3号楼2单元402）" in card.text
    liu.say(liu.id, "/household 3号楼2单元402")
    card = await sb.wait_for(liu.id, lambda m: "迁入" in m.body)
    assert "注销（搬去女儿家）" in card.text and "（暂无）" in card.text
    async with world.ctx.pool() as session:
        assert await session.scalar(select(func.count()).select_from(ResidentMove)) == 3
    outsider = sb.add_user("路人")
    outsider.start_bot()
    outsider.say(outsider.id, "/household 3-2-301")
    await sb.wait_for(outsider.id, lambda m: "只有社区工作人员和网格员" in m.body)


async def test_household_poll_on_the_register(world):
    """Two residents of one household: one vote counts; an unregistered member is refused
    politely; the turnout base is the register's households."""
    from tests.test_polls_e2e import dialog, press

    liu, chen, wang, zhao = await setup(world)
    sb = world.sb
    husband = sb.add_user("陈大爷", user_id=5002)
    await send_roster(world, liu, ROSTER, "roster.csv", "已导入")
    group = sb.add_group("东湖一网格居民群", [liu, chen, husband, zhao], creator=liu,
                         bot_is_admin=True)
    from tests.harness import bind

    await bind(world, group)
    summary = await dialog(world, liu, opens=None, closes="1天", who="登记居民，每户一票",
                           groups=("东湖一网格居民群",))
    await press(world, liu, summary, "✅ 确认", "已保存民意调查")
    post = await sb.wait_for(group.id, lambda m: "请点击下面的选项按钮进行投票" in m.body)
    assert "已记录" in (await sb.press(chen, post, "同意").text() or "")
    taken = await sb.press(husband, post, "不同意").text()
    assert "每户一票" in (taken or "")
    refused = await sb.press(zhao, post, "同意").text()
    assert "登记居民" in (refused or "")
    await world.advance(days=1)
    result = await sb.wait_for(group.id, lambda m: "结果：" in m.body)
    assert "同意：1 票（100.0%）" in result.text and "应参与 5 人" in result.text
    for m in sb.bot_messages(group.id):
        assert "3-2-301" not in m.body and "13800000001" not in m.body


async def test_org_file_residents_section(ctx, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace("    groups:\n", """    residents:
      - {room: 3号楼2单元301, name: 陈阿姨, phone: "13800000001", roles: [楼栋长], tg_id: 5001}
      - {building: 1号楼, room: 101, name: 赵红}
    households:
      - room: 3-2-401
        residents:
          - {name: 李奶奶, roles: [党员中心户]}
          - {name: 李小明, username: li_xm}
    groups:
""", 1)
    good = tmp_path / "org.yaml"
    good.write_text(text, encoding="utf-8")
    for _ in range(2):
        async with transaction(ctx.pool) as session:
            summary = await import_file(session, good)
    assert (summary.sections["residents"], summary.sections["households"]) == (2, 2)
    async with ctx.pool() as session:
        assert await session.scalar(select(func.count()).select_from(Resident)) == 4
        assert await session.scalar(select(func.count()).select_from(Household)) == 3
        chen = await session.scalar(select(Person).where(Person.tg_id == 5001))
        assert chen is not None and chen.household == "3-2-301"

    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("roles: [楼栋长]", "roles: [班长]").replace(
        "{building: 1号楼, room: 101, name: 赵红}", "{building: 9号楼, room: 101, name: 钱七}"),
        encoding="utf-8")
    lines = bad.read_text(encoding="utf-8").splitlines()
    line = next(i for i, x in enumerate(lines, start=1) if "班长" in x)
    with pytest.raises(OrgFileError) as err:
        async with transaction(ctx.pool) as session:
            await import_file(session, bad)
    assert f"line {line}:" in str(err.value) and "班长" in str(err.value)
    bad.write_text(text.replace("{building: 1号楼, room: 101, name: 赵红}",
                                "{building: 9号楼, room: 101, name: 钱七}"), encoding="utf-8")
    with pytest.raises(OrgFileError) as err:
        async with transaction(ctx.pool) as session:
            await import_file(session, bad)
    assert "9号楼" in str(err.value) and "line " in str(err.value)
    async with ctx.pool() as session:
        names = set(await session.scalars(select(Resident.name)))
        assert "钱七" not in names


@pytest.mark.parametrize("text,room", [
    ("3号楼2单元301漏水了", "301"), ("我家3-2-301楼上漏水", "3-2-301"),
    ("3栋2单元301室门口堆满杂物", "301"), ("301的住户天天半夜装修", "301"),
])
def test_rooms_are_masked(text: str, room: str) -> None:
    assert room not in mask(text, ["3-2-301"]), mask(text, ["3-2-301"])


def test_a_residents_own_room_is_masked_in_any_form() -> None:
    own = ["3-2-301"]  # Person.household, from the register
    assert "301" not in mask("3-2-301 这户的水管坏了", own)
    assert "3号楼" in mask("3号楼2单元301的水管坏了", own)
    assert mask("301卫生间漏水了", own) == "[房号已隐藏]卫生间漏水了"  # the flat alone
    assert mask("301卫生间漏水了") == "301卫生间漏水了"  # someone else's: not a room
    assert mask("3号楼2-301门口堆了杂物") == "3号楼2-[房号已隐藏]门口堆了杂物"
    assert mask("1301和301", own) == "1301和[房号已隐藏]"


def test_cli_import_reports_bad_rows_and_is_idempotent(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.cli import cli

    env = {"LINLI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    runner = CliRunner()
    assert runner.invoke(cli, ["org", "import", str(EXAMPLE)], env=env).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD)
    failed = runner.invoke(cli, ["people", "import", str(bad), "--community", "东湖社区"],
                           env=env)
    assert failed.exit_code == 1 and "第4行" in failed.output and "没有导入任何内容" in failed.output
    roster = str(ROOT / "examples" / "roster.csv")
    for expect in ("新登记 6 人", "无变化 6 人"):
        done = runner.invoke(cli, ["people", "import", roster, "--community", "东湖"], env=env)
        assert done.exit_code == 0 and expect in done.output, done.output
    unknown = runner.invoke(cli, ["people", "import", roster, "--community", "西湖"], env=env)
    assert unknown.exit_code == 2
