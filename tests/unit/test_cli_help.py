"""``switchboard --help`` is read in a terminal: plain text, every subcommand and option
explained, no reST markup (argparse prints descriptions as they are)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import _parser

SWITCHBOARD = Path(sys.executable).with_name("switchboard")
COMMANDS = ("serve", "schema", "emulate", "hash-key", "check-config")


def help_text(*args: str) -> str:
    result = subprocess.run(
        [str(SWITCHBOARD), *args, "--help"], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_the_top_level_help_names_every_command_in_plain_text() -> None:
    text = help_text()
    assert "``" not in text
    assert "switchboard serve --demo" in text
    for command in COMMANDS:
        assert command in text


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_explains_its_options(command: str) -> None:
    assert "``" not in help_text(command)
    parser = _parser()
    # argparse lists a parser's arguments only in its private ``_actions``.
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
    sub = commands.choices[command]
    undocumented = [a.dest for a in sub._actions if not a.help]  # noqa: SLF001
    assert not undocumented, f"switchboard {command}: no help for {undocumented}"
