"""The `linli` command as a community worker uses it, on a fresh SQLite file."""
from pathlib import Path

from tests.test_config import run_linli

EXAMPLE = Path(__file__).parents[1] / "examples" / "org.yaml"


def test_org_import_then_db_current(tmp_path):
    env = {"LINLI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    imported = run_linli("org", "import", str(EXAMPLE), env=env, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "communities=1" in imported.stdout and "groups=1" in imported.stdout
    current = run_linli("db", "current", env=env, cwd=tmp_path)
    assert "database at revision 0001" in current.stdout


def test_bad_org_file_exits_1_with_every_error(tmp_path):
    bad = tmp_path / "org.yaml"
    bad.write_text("communities:\n  - name: 西湖\n    grids:\n      - {name: 一, routing: x}\n",
                   encoding="utf-8")
    result = run_linli("org", "import", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "未导入任何内容" in result.stderr
    assert "line 2: community: 'code' is required" in result.stderr
    assert "line 4: routing must be round_robin or duty" in result.stderr
    assert "Traceback" not in result.stderr


def test_nlp_suggest_on_a_new_database(tmp_path):
    result = run_linli("nlp", "suggest", cwd=tmp_path)
    assert result.returncode == 0 and "no suggestions" in result.stdout


def test_an_old_rule_file_stops_the_classifier_commands_with_what_to_do(tmp_path):
    old = tmp_path / "rules.yaml"
    old.write_text("version: 1\ncategories:\n  noise:\n    keywords:\n      敲锣: 3\n",
                   encoding="utf-8")
    data = Path(__file__).parent / "data" / "nlp_regression.jsonl"
    for args in (("nlp", "eval", str(data)), ("nlp", "suggest")):
        result = run_linli(*args, env={"LINLI_RULES_FILE": str(old)}, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert 'top-level "categories:"' in result.stderr and "word file" in result.stderr
        assert "Traceback" not in result.stderr


def test_org_file_setting_is_the_default_and_is_checked_at_run(tmp_path):
    env = {"LINLI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db",
           "LINLI_ORG_FILE": str(EXAMPLE)}
    imported = run_linli("org", "import", env=env, cwd=tmp_path)
    assert imported.returncode == 0 and "communities=1" in imported.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("communities: 3\n", encoding="utf-8")
    env.update(LINLI_ORG_FILE=str(bad), LINLI_BOT_TOKEN="123456:SANDBOX-linli-test-token")
    refused = run_linli("run", env=env, cwd=tmp_path)
    assert refused.returncode == 1 and "'communities' must be a list" in refused.stderr


async def test_a_token_telegram_rejects_stops_linli_run_with_an_explanation(sandbox, tmp_path):
    import asyncio
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update(LINLI_BOT_TOKEN="999999:WRONG-token-for-this-server",
               LINLI_API_BASE_URL=sandbox.url,
               LINLI_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/x.db")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    assert "rejected by Telegram" in err.decode() and "@BotFather" in err.decode()
    assert "Traceback" not in err.decode()


async def test_an_old_rule_file_stops_linli_run_with_what_to_do(sandbox, tmp_path):
    import asyncio
    import os
    import sys

    old = tmp_path / "rules.yaml"
    old.write_text("categories:\n  noise:\n    keywords:\n      敲锣: 3\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update(LINLI_BOT_TOKEN=sandbox.token, LINLI_API_BASE_URL=sandbox.url,
               LINLI_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/x.db",
               LINLI_RULES_FILE=str(old))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    assert 'top-level "categories:"' in err.decode() and "word file" in err.decode()
    assert "Traceback" not in err.decode()
