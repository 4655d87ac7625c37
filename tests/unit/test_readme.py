"""The README cannot rot: its commands exist and its settings table is complete."""

import re
from pathlib import Path

import pytest

from bron.cli import main
from bron.settings import Settings

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()
CODE = "\n".join(re.findall(r"```sh\n(.*?)```", README, flags=re.S))


def test_the_readme_opens_with_the_two_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, flags=re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make up", "make test"]
    makefile = (REPO / "Makefile").read_text()
    for target in ("up", "test", "lint", "bench"):
        assert re.search(rf"^{target}:", makefile, flags=re.M), target
    assert "make test" in (REPO / ".ci" / "run").read_text()


BRON_COMMANDS = sorted(
    {
        tuple(line.split("#")[0].split()[1:])
        for line in CODE.splitlines()
        if line.startswith("bron ")
    }
)


def test_the_readme_lists_bron_commands() -> None:
    assert ("kafka", "start") in BRON_COMMANDS


@pytest.mark.parametrize("words", BRON_COMMANDS, ids=" ".join)
def test_every_bron_command_in_the_readme_exists(words: tuple[str, ...]) -> None:
    assert main([*words, "--help"]) == 0


def test_an_unknown_command_fails() -> None:
    assert main(["kafka", "launch", "--help"]) != 0


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"`BRON_{name.upper()}`" in README, name
