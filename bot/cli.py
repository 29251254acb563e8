"""`bootcamp-bot` / `python -m bot`: run, migrate, and the tools around them."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging

if TYPE_CHECKING:
    from bot.db.backup import Summary

log = logging.getLogger("bot")

EXIT_CONFIG = 2
EXIT_CONTENT = 1
EXIT_FAILED = 1
EXIT_IN_USE = 3  # another process holds the SQLite database (bot/db/lock.py)

NO_TOKEN_HELP = """\
BOT_TOKEN is not set, so there is no Telegram bot to run.

To get a token:
  1. In Telegram, open a chat with @BotFather and send /newbot.
  2. Choose a name and a username ending in "bot".
  3. BotFather answers with a token like 123456789:AAF...; put it in a .env file:
       BOT_TOKEN=123456789:AAF...
     (or export it), then run `bootcamp-bot run` again.

No token yet? The bot also runs against any Bot API server you point
BOT_API_BASE_URL at.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        # Only `run` talks to Telegram: the other commands ignore the token, so
        # that a missing or unfinished BOT_TOKEN never stops them.
        overrides = {} if args.command == "run" else {"bot_token": None}
        settings = load_settings(**overrides)
    except ConfigError as exc:
        print(exc, file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    setup_logging(settings.log_level, token, settings.log_format)
    handler = {
        "run": _run,
        "migrate": _migrate,
        "content": _content,
        "chat": _chat,
        "backup": _backup,
        "restore": _restore,
    }[args.command]
    return handler(settings, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bootcamp-bot",
        description="The Defy Gravity bootcamp coaching bot for Telegram.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser(
        "run",
        help="run the bot (long polling, or a webhook when BOT_WEBHOOK_URL is set)",
        description="Run the bot with long polling against BOT_API_BASE_URL, or as a "
        "webhook listening on BOT_WEBHOOK_LISTEN when BOT_WEBHOOK_URL is set. Pending "
        "database migrations are applied first unless BOT_AUTO_MIGRATE=0. Every update "
        "is stored before it is confirmed to Telegram; BOT_UPDATE_WORKERS handle them "
        "(in order within a chat). Stop with Ctrl-C or SIGTERM: updates in flight are "
        "finished, the rest wait in the database for the next start.",
    )
    migrate = commands.add_parser(
        "migrate",
        help="upgrade the database schema",
        description="Upgrade the database (DATABASE_URL, or the embedded SQLite file) "
        "to the newest schema.",
    )
    migrate.add_argument("--sql", action="store_true", help="print the SQL instead of running it")
    for name, summary, description, path_help in (
        (
            "backup",
            "back the database up (SQLite: while the bot runs)",
            "SQLite: copy the database to PATH (a new file, or a directory for a "
            "time-stamped file) in one consistent step, safe while the bot runs. "
            "PostgreSQL: print the pg_dump command that writes the backup to PATH.",
            "backup file or directory",
        ),
        (
            "restore",
            "replace the SQLite database with a backup",
            "SQLite: replace the database's content with the backup at PATH, after a "
            "confirmation; the database as it was is kept next to it. Refused while a bot "
            "process runs on the database. PostgreSQL: print the pg_restore command.",
            "a file `backup` wrote",
        ),
    ):
        files = commands.add_parser(name, help=summary, description=description)
        files.add_argument("path", type=Path, metavar="PATH", help=path_help)
    restore = commands.choices["restore"]
    restore.add_argument("--yes", action="store_true", help="restore without asking")

    chat = commands.add_parser(
        "chat",
        help="chat with the bot locally, no Telegram or token needed",
        description="Start a local Bot API sandbox and the real bot, and chat with it in "
        "the terminal as a member (or admin). Uses BOT_DATA_DIR/sandbox.db unless "
        "DATABASE_URL is set. Type :help inside for the console commands.",
    )
    chat.add_argument("--script", type=Path, help="play a conversation from FILE and print it")
    chat.add_argument(
        "--webhook",
        action="store_true",
        help="let the sandbox post updates to the bot's webhook instead of getUpdates",
    )
    content = commands.add_parser(
        "content",
        help="check the series content",
        description="Work with the series content (content/ or CONTENT_DIR).",
    )
    content_commands = content.add_subparsers(dest="content_command", metavar="ACTION")
    content_commands.required = True
    check = content_commands.add_parser(
        "check",
        help="validate every content file",
        description="Load and validate every card, lesson and program, and render each one "
        "against Telegram's message rules. Prints counts per kind and exits 0, or prints "
        "every problem as file:line: message and exits 1.",
    )
    check.add_argument("--dir", type=Path, default=None, help="content directory to check")
    return parser


def _content(settings: Settings, args: argparse.Namespace) -> int:
    from bot import i18n
    from bot.catalog import ContentError, load_catalogs
    from bot.render.check import render_problems

    directory = args.dir or settings.content_dir
    try:
        catalogs = load_catalogs(directory)
    except ContentError as exc:
        print(exc.report())  # noqa: T201
        return EXIT_CONTENT
    problems = [
        problem
        for language, catalog in catalogs.items()
        for problem in render_problems(catalog, language)
    ]
    if problems:
        for problem in problems:
            print(problem)  # noqa: T201
        print(f"{len(problems)} problem(s) in the content")  # noqa: T201
        return EXIT_CONTENT
    print(f"content in {directory} is valid:")  # noqa: T201
    for kind, count in catalogs[i18n.DEFAULT].counts().items():
        print(f"  {count:4d} {kind}")  # noqa: T201
    for language in i18n.LANGUAGES:
        if language == i18n.DEFAULT:
            continue
        state = "the same items" if language in catalogs else "no folder: English content"
        print(f"  {language}: {state}")  # noqa: T201
    return 0


def _chat(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.catalog import ContentError
    from bot.sandbox.console import run_console

    if args.script is not None and not args.script.is_file():
        print(f"no such script: {args.script}", file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    if settings.database_url is None:
        database = f"sqlite+aiosqlite:///{(settings.data_dir / 'sandbox.db').resolve()}"
        settings = settings.model_copy(update={"database_url": database})
    # The console prints its own transcript; keep library chatter out of it.
    logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        script = args.script.read_text(encoding="utf-8").splitlines() if args.script else None
        files = settings.data_dir / "sandbox-files"
        return asyncio.run(run_console(settings, script, files, webhook=args.webhook))
    except ContentError as exc:
        print(exc.report(), file=sys.stderr)  # noqa: T201
        return EXIT_CONTENT


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db.migrate import upgrade

    upgrade(settings.effective_database_url, sql=args.sql)
    return 0


def _backup(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.db import backup
    from bot.db.lock import sqlite_path

    url = settings.effective_database_url
    database = sqlite_path(url)
    if database is None:
        print(backup.pg_dump_command(url, args.path))  # noqa: T201
        if backup.has_password(url):
            print("# the password is not shown: give it in PGPASSWORD or ~/.pgpass")  # noqa: T201
        return 0
    try:
        done = backup.backup_sqlite(database, args.path, datetime.now(UTC))
    except backup.BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_FAILED
    figures = _figures(done.summary)
    print(f"backed up {database} to {done.summary.path}: {figures}, in {done.seconds:.1f} s")  # noqa: T201
    return 0


def _restore(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.db import backup
    from bot.db.lock import DatabaseInUse, LockError, sqlite_path

    url = settings.effective_database_url
    database = sqlite_path(url)
    if database is None:
        print("# stop every replica first, then:")  # noqa: T201
        print(backup.pg_restore_command(url, args.path))  # noqa: T201
        return 0
    try:
        source = backup.summarise(args.path)
        if not args.yes and not _confirm_restore(database, source):
            print("nothing restored")  # noqa: T201
            return EXIT_FAILED
        done = backup.restore_sqlite(args.path, database, datetime.now(UTC))
    except LockError as exc:
        print(f"restore refused: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_IN_USE if isinstance(exc, DatabaseInUse) else EXIT_FAILED
    except backup.BackupError as exc:
        print(f"restore failed: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_FAILED
    if done.kept is not None:
        print(f"the database as it was is kept in {done.kept}")  # noqa: T201
    print(  # noqa: T201
        f"restored {database} from {args.path}: {_figures(done.summary)}, in "
        f"{done.seconds:.1f} s (`run` or `migrate` upgrades an older schema)"
    )
    return 0


def _figures(summary: Summary) -> str:
    members = f"{summary.members} member{'' if summary.members == 1 else 's'}"
    return f"{members}, {summary.size / 1e6:.1f} MB, schema {summary.revision}"


def _confirm_restore(database: Path, source: Summary) -> bool:
    from bot.db.backup import BackupError, summarise

    try:
        now = _figures(summarise(database))
    except BackupError as exc:
        now = str(exc)
    print(f"This replaces the database {database}")  # noqa: T201
    print(f"  now:         {now}")  # noqa: T201
    print(f"  with backup: {_figures(source)}")  # noqa: T201
    print("The database as it is now is kept next to it.")  # noqa: T201
    try:
        answer = input("Type yes to restore: ")
    except EOFError:
        return False
    return answer.strip().lower() == "yes"


def _run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.bot_token is None:
        print(NO_TOKEN_HELP, file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    from bot.db.lock import DatabaseInUse, DatabaseLock, LockError, sqlite_path

    # One process per SQLite file, held until this process ends (even by kill -9).
    database = sqlite_path(settings.effective_database_url)
    lock = DatabaseLock(database) if database is not None else None
    try:
        if lock is not None:
            lock.acquire()
    except LockError as exc:
        print(f"not started: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_IN_USE if isinstance(exc, DatabaseInUse) else EXIT_CONFIG
    try:
        return _serve(settings)
    finally:
        if lock is not None:
            lock.release()


def _serve(settings: Settings) -> int:
    from bot.app import build_application
    from bot.catalog import ContentError

    if settings.auto_migrate:
        from bot.db.migrate import upgrade

        upgrade(settings.effective_database_url)
    clock = None
    if settings.sandbox_clock_file is not None:
        from bot.clock import OffsetClock

        clock = OffsetClock(settings.sandbox_clock_file)
    try:
        app = build_application(settings, clock=clock)
    except ContentError as exc:
        print(exc.report(), file=sys.stderr)  # noqa: T201
        return EXIT_CONTENT
    import asyncio

    from bot.runner import serve

    log.info("starting: polling %s", settings.api_base_url)
    # serve() stops on SIGINT/SIGTERM after the updates in flight; the rest stay
    # in the inbox for the next start.
    asyncio.run(serve(app))
    return 0
