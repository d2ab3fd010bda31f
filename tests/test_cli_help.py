"""Every `linli` command explains itself: a one-line description, its options, an example."""
import click
import pytest
from click.testing import CliRunner

from bot.cli import cli, main


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


COMMANDS = _commands(cli)


def test_the_readme_commands_exist():
    for path in [("run",), ("demo",), ("db", "current"), ("db", "upgrade"), ("db", "revision"),
                 ("org", "import"), ("classify",), ("nlp", "eval"), ("nlp", "suggest"),
                 ("export", "cases"), ("polls", "export")]:
        assert path in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "linli")
def test_help_has_a_description_options_and_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="linli")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Usage: linli")
    description = lines[2].strip()
    assert description and description[-1] in ".:)", result.output  # one full sentence
    assert "Options:" in result.output and "--help" in result.output
    example = result.output.split("Examples:\n", 1)[1].splitlines()[0].strip()
    assert example.startswith("linli ") or " linli " in example, result.output
    command = cli
    for name in path:
        command = command.commands[name]
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{' '.join(path)} {param.opts[0]} is not explained"


def test_main_returns_exit_codes():
    assert main(["--help"]) == 0
    assert main(["no-such-command"]) == 2
    assert main(["export", "cases", "--community", "x", "--from", "2026-10-02",
                 "--to", "2026-10-01"]) == 2
