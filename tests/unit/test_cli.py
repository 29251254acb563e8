"""The command line: version, help, run without a token, migrate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from bot import __version__, cli
from bot.logs import RedactFilter
from tests.kit.recording import TOKEN


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("BOT_TOKEN", "DATABASE_URL", "BOT_DATA_DIR", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"bootcamp-bot {__version__}"


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["migrate", "--help"]])
def test_help_everywhere(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 0
    assert "usage: bootcamp-bot" in capsys.readouterr().out


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 0
    assert "COMMAND" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["fly"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_run_without_token_explains_botfather(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert "@BotFather" in err
    assert "/newbot" in err
    assert "BOT_TOKEN=" in err


def test_migrate_creates_the_embedded_database(tmp_path: Path) -> None:
    assert cli.main(["migrate"]) == 0
    engine = create_engine(f"sqlite:///{tmp_path / 'bootcamp.db'}")
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"members", "checkins", "outbox", "broadcasts", "leases"} <= tables


def test_migrate_sql_prints_without_touching_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["migrate", "--sql"]) == 0
    out = capsys.readouterr().out
    assert "CREATE TABLE members" in out
    assert not (tmp_path / "bootcamp.db").exists()


def test_python_dash_m_bot_is_the_same_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"bootcamp-bot {__version__}"


def test_token_is_redacted_from_logs() -> None:
    import logging

    record = logging.LogRecord(
        "httpx", logging.INFO, "x", 1, "POST https://api/bot%s/getMe", (TOKEN,), None
    )
    RedactFilter(TOKEN).filter(record)
    assert TOKEN not in record.getMessage()
    assert "<token>" in record.getMessage()
