"""Words the code puts together itself read as French in French: the /progress
title without a first name, the on/off state of a setting, and a label before
its value (French puts a no-break space before the colon)."""

from __future__ import annotations

from datetime import date, time

from bot import i18n
from bot.catalog import Catalog
from bot.db.dto import GroupDTO
from bot.render import groups as group_views
from bot.render.cards import render_card
from bot.render.digests import next_week_line
from bot.render.progress import progress_caption
from bot.services.groups import OptIns
from bot.services.progress import Progress

NB = "\u00a0"
PROGRESS = Progress(3, 5, 12, 0.5, 0.4, date(2026, 3, 8))


def group(*, daily: bool = True, board: bool = False) -> GroupDTO:
    return GroupDTO(
        id=1, chat_id=-100, title="Crew", cohort_id=None, linked_by=1,
        timezone="Europe/Paris", language="fr", daily_enabled=daily, daily_time=time(7, 0),
        leaderboard_enabled=board, shoutouts_enabled=True, next_daily_at=None,
        next_board_at=None,
    )  # fmt: skip


def test_the_progress_title_without_a_first_name() -> None:
    assert progress_caption(None, PROGRESS).startswith("📈 <b>Your progress</b>\n")
    assert progress_caption("Zoë", PROGRESS).startswith("📈 <b>Zoë's progress</b>\n")
    with i18n.speaking("fr"):
        nameless = progress_caption(None, PROGRESS)
        named = progress_caption("Zoë", PROGRESS)
    assert nameless.startswith("📈 <b>Tes progrès</b>\n")
    assert "Your" not in nameless
    assert named.startswith("📈 <b>Les progrès de Zoë</b>\n")


def test_on_and_off_are_french_in_french() -> None:
    with i18n.speaking("fr"):
        choices = group_views.opt_ins(OptIns(leaderboard=False, shoutouts=True))
        panel = group_views.settings_panel(group(daily=True, board=False), None)
    assert f"Classement de la semaine{NB}: désactivé (/leaderboard on)" in choices
    assert f"Paliers de série fêtés{NB}: activé ✅ (/shoutouts off)" in choices
    assert f"Message du jour{NB}: activé ✅, à 07:00 (Europe/Paris)" in panel.text
    assert f"(dimanche 18:00){NB}: désactivé" in panel.text
    labels = [button.text for row in panel.rows for button in row]
    assert f"Classement{NB}: désactivé" in labels
    assert f"Message du jour{NB}: activé ✅" in labels
    for word in ("on", "off"):
        assert not any(label.endswith(word) for label in labels), labels
    # The command words stay what the commands take.
    english = group_views.opt_ins(OptIns(leaderboard=False, shoutouts=True))
    assert "Weekly leaderboard: off (/leaderboard on)" in english


def test_a_label_and_its_value(catalogs: dict[str, Catalog]) -> None:
    assert i18n.as_label("Easier") == "Easier:"
    with i18n.speaking("fr"):
        assert i18n.as_label("Plus facile") == f"Plus facile{NB}:"
        card = render_card(catalogs["fr"], catalogs["fr"].exercises["bird-dog"]).text
        week = next_week_line(catalogs["fr"], date(2026, 3, 9), "defy-gravity", 1)
    assert f"<b>Plus facile{NB}:</b>" in card
    assert f"<i>Mal au genou{NB}:</i>" in card
    assert "Plus facile:" not in card
    assert week.startswith(f"lun.{NB}: ")
    english = render_card(catalogs["en"], catalogs["en"].exercises["bird-dog"]).text
    assert "<b>Easier:</b>" in english
    assert "<i>Knee pain:</i>" in english
