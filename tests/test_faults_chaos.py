"""Issue 12: the short form of the chaos suite (`benchmarks/chaos.py`), run by CI on
SQLite and on PostgreSQL. The real bot, long polling against the sandbox with Telegram's
flood limits enforced, while the sandbox answers getUpdates with HTML 502 pages, 409 and
502, and sendMessage with 429, 500/502, HTML pages, dropped connections and a slow
answer; then a group upgraded to a supergroup halfway through. Residents report in
pairs (a case and a +1 link). Nothing may be lost, doubled or over a limit, and the
process must still be polling and sending at the end.

The full runs (kill -9 x3, replicas, 10,000 fuzzed updates, a 70 s answer) are
`benchmarks/chaos.py`; their figures are in docs/delivery.md."""
from __future__ import annotations

import pytest

from benchmarks import chaos
from bot import app as app_module


@pytest.mark.parametrize("name", ["faults", "migration"])
async def test_chaos_short_form(name, db_url, monkeypatch):
    monkeypatch.setattr(app_module, "POLL_RETRY_BASE", 0.05)  # getUpdates backoff, 20x faster
    figures = await chaos.scenario(name, 16, db_url, slow=2.0, fresh=False)
    print(figures)
    assert figures["settled"] and figures["app alive"]
    assert figures["updates in"] >= 16
    assert figures["cases opened"] == 8 and figures["+1 links"] == 8
    assert figures["messages doubled"] == 0
    assert figures["messages lost"] == 0
    assert figures["limit violations (429 not injected)"] == 0
