"""The ledger opened back with openpyxl and csv: header, dates as dates, masked reporter,
BOM, frozen header, one row per case; and the `linli export cases` command."""
from __future__ import annotations

import asyncio
import csv
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.cli import main as cli_main
from bot.db.session import transaction
from bot.reports import ledger, stats
from bot.reports import texts as T
from tests.reports_kit import build

TZ = ZoneInfo("Asia/Shanghai")
OCTOBER = stats.month_of(date(2026, 10, 1), TZ)
COL = {name: i for i, name in enumerate(T.LEDGER_COLUMNS)}


async def _export(pool, tmp_path, fmt):
    async with transaction(pool) as s:
        w = await build(s)
    path = tmp_path / f"ledger.{fmt}"
    async with pool() as s:
        q = ledger.LedgerQuery([w.community.id], OCTOBER.start, OCTOBER.end, TZ)
        count = await ledger.export(s, q, path, fmt)
    return w, path, count


async def test_xlsx_opens_with_dates_headers_and_masks(pool, tmp_path):
    w, path, count = await _export(pool, tmp_path, "xlsx")
    assert count == 7  # c1-c6 and c8 opened in October (c7 in September)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet.freeze_panes == "B2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == T.LEDGER_COLUMNS
    by_number = {r[0]: r for r in rows[1:]}
    assert len(by_number) == 7
    c1 = by_number[w.cases["c1"].number]
    # 2026-10-10 02:00Z is 10:00 in Shanghai; Excel gets a real date, local time.
    assert c1[COL["登记时间"]] == datetime(2026, 10, 10, 10, 0)
    assert isinstance(c1[COL["办结时间"]], datetime)
    assert sheet.cell(row=2, column=2).number_format == "yyyy-mm-dd hh:mm"
    assert c1[COL["反映人"]] == "张*国"
    assert c1[COL["负责人"]] == "李网格"
    assert c1[COL["网格"]] == "第一网格" and c1[COL["来源群"]] == "东湖一区居民群"
    assert c1[COL["类别（自动）"]] == "环境卫生" and c1[COL["类别（更正）"]] is None
    assert (c1[COL["状态"]], c1[COL["评价"]], c1[COL["关闭原因"]]) == ("已办结", "满意", "已评价")
    assert c1[COL["“我也是”户数"]] == 2 and c1[COL["办理说明"]] == "已清运"
    c2 = by_number[w.cases["c2"].number]
    assert c2[COL["反映人"]] == "匿名" and c2[COL["吹哨部门"]] == "物业"
    c3 = by_number[w.cases["c3"].number]
    assert (c3[COL["类别（自动）"]], c3[COL["类别（更正）"]]) == ("其他", "环境卫生")
    assert c3[COL["重开次数"]] == 1
    c4 = by_number[w.cases["c4"].number]
    assert c4[COL["受理时间"]] is None and c4[COL["状态"]] == "待受理"
    assert sheet.column_dimensions["V"].width > 40  # the case text column is wide


async def test_csv_has_bom_and_the_same_rows(pool, tmp_path):
    w, path, count = await _export(pool, tmp_path, "csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == T.LEDGER_COLUMNS
    assert len(rows) == count + 1 == 8
    c1 = next(r for r in rows if r[0] == w.cases["c1"].number)
    assert c1[COL["登记时间"]] == "2026-10-10 10:00:00"
    assert datetime.fromisoformat(c1[COL["关闭时间"]]) == datetime(2026, 10, 12, 10, 0)
    assert c1[COL["反映人"]] == "张*国"


async def test_empty_period_writes_only_the_header(pool, tmp_path):
    async with transaction(pool) as s:
        w = await build(s)
    june = stats.month_of(date(2026, 6, 1), TZ)
    path = tmp_path / "empty.xlsx"
    async with pool() as s:
        q = ledger.LedgerQuery([w.community.id], june.start, june.end, TZ)
        assert await ledger.export(s, q, path, "xlsx") == 0
    assert list(openpyxl.load_workbook(path).active.iter_rows(values_only=True)) == [
        T.LEDGER_COLUMNS]


async def test_pages_do_not_lose_or_repeat_rows(pool, tmp_path, monkeypatch):
    monkeypatch.setattr(ledger, "PAGE", 2)
    w, path, count = await _export(pool, tmp_path, "csv")
    with path.open(encoding="utf-8-sig", newline="") as f:
        numbers = [r[0] for r in csv.reader(f)][1:]
    assert count == 7 and len(set(numbers)) == 7
    assert numbers[0] == w.cases["c1"].number and numbers[-1] == w.cases["c8"].number


@pytest.mark.parametrize("name,masked", [("张三", "张*"), ("王小明", "王*明"), ("", ""),
                                         ("欧阳娜娜", "欧**娜"), ("Al", "A*")])
def test_mask_name(name, masked):
    assert ledger.mask_name(name) == masked


async def test_cli_export_cases(pool, tmp_path, db_url, monkeypatch, capsys):
    async with transaction(pool) as s:
        w = await build(s)
    monkeypatch.setenv("LINLI_DATABASE_URL", db_url)
    out = tmp_path / "cli.csv"
    code = await asyncio.to_thread(cli_main, [
        "export", "cases", "--community", w.community.code, "--from", "2026-10-01",
        "--to", "2026-10-31", "--format", "csv", "--out", str(out)])
    assert code == 0 and "wrote 7 cases" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    code = await asyncio.to_thread(cli_main, [
        "export", "cases", "--community", "没有", "--from", "2026-10-01", "--to", "2026-10-31"])
    assert code == 1
    args = ["export", "cases", "--community", w.community.code, "--from", "2026-10-01",
            "--to", "2026-10-31", "--format", "csv", "--out", str(out), "--unmasked"]
    assert await asyncio.to_thread(cli_main, args) == 2  # no reason: refused
    assert "needs --reason" in capsys.readouterr().err
    assert await asyncio.to_thread(cli_main, [*args, "--reason", "审计"]) == 0
    assert "张建国" in out.read_text(encoding="utf-8-sig")
