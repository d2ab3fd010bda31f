#!/usr/bin/env bash
# Development only, until the first release: rebuild 0001_initial from the models.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f bot/db/migrations/versions/0001_initial.py
tmp=$(mktemp -d)
.venv/bin/python - "$tmp" <<'PY'
import asyncio, sys
from bot.db.session import create_engine
from bot.db.migrate import _run

async def main(tmp):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp}/x.db")
    async with engine.begin() as conn:
        await conn.run_sync(_run, "revision", message="initial", autogenerate=True, rev_id="0001")
    await engine.dispose()
asyncio.run(main(sys.argv[1]))
PY
true
rm -rf "$tmp"
echo "regenerated bot/db/migrations/versions/0001_initial.py"
