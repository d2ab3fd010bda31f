from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db.models import Building, Community, Department, Grid, GroupChat, Person, Role
from bot.db.session import transaction
from bot.org.orgfile import OrgFileError, import_file, load

EXAMPLE = Path(__file__).parents[1] / "examples" / "org.yaml"


async def count(pool, model) -> int:
    async with pool() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_example_file_imports_everything(pool):
    async with transaction(pool) as session:
        summary = await import_file(session, EXAMPLE)
    assert summary.communities == 1 and summary.grids == 2 and summary.groups == 1
    assert await count(pool, Grid) == 2
    assert await count(pool, Building) == 6
    assert await count(pool, Department) == 3
    async with pool() as session:
        zhang = await session.scalar(select(Person).where(Person.tg_id == 1001))
        roles = list(await session.scalars(select(Role).where(Role.person_id == zhang.id)))
        assert [r.role for r in roles] == ["grid_worker"]
        group = await session.scalar(select(GroupChat).where(GroupChat.chat_id == -1001001))
        assert group.grid_id is not None
        community = await session.scalar(select(Community))
        assert community.code == "东湖"
        assert community.settings["photo_required"] == ["sanitation", "facilities"]


async def test_reimport_updates_instead_of_duplicating(pool):
    for _ in range(2):
        async with transaction(pool) as session:
            await import_file(session, EXAMPLE)
    assert await count(pool, Grid) == 2
    assert await count(pool, Person) == 5
    assert await count(pool, Role) == 5


BAD = """\
communities:
  - name: 西湖社区
    code: 西湖
    grids:
      - name: 一网格
        routing: sometimes
        workers:
          - {name: 无名氏}
    departments:
      - name: 物业
        categories: [property, rockets]
    groups:
      - {chat_id: -5, grid: 不存在的网格}
  - name: 西湖社区
    code: XH2
    colour: blue
"""


async def test_bad_file_lists_every_error_with_its_line_and_imports_nothing(pool, tmp_path):
    bad = tmp_path / "org.yaml"
    bad.write_text(BAD, encoding="utf-8")
    with pytest.raises(OrgFileError) as info:
        async with transaction(pool) as session:
            await import_file(session, bad)
    errors = info.value.errors
    assert any(e.startswith("line 5:") and "routing" in e for e in errors)
    assert any(e.startswith("line 8:") and "tg_id or username" in e for e in errors)
    assert any(e.startswith("line 10:") and "rockets" in e for e in errors)
    assert any(e.startswith("line 13:") and "不存在的网格" in e for e in errors)
    assert any(e.startswith("line 14:") and "appears twice" in e for e in errors)
    assert any(e.startswith("line 14:") and "colour" in e for e in errors)
    assert len(errors) == 6
    assert await count(pool, Community) == 0


def test_broken_yaml_names_the_line(tmp_path):
    bad = tmp_path / "org.yaml"
    bad.write_text("communities:\n  - name: [unclosed\n", encoding="utf-8")
    with pytest.raises(OrgFileError, match="line 3"):
        load(bad)


def test_missing_file_is_an_error_not_a_traceback(tmp_path):
    with pytest.raises(OrgFileError, match="cannot read"):
        load(tmp_path / "nope.yaml")
