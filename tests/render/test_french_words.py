"""Words the code puts together itself read as French in French: the /progress
title without a first name, and a label before its value (French puts a
no-break space before the colon)."""

from __future__ import annotations

from datetime import date

from bot import i18n
from bot.catalog import Catalog
from bot.render.cards import render_card
from bot.render.digests import next_week_line
from bot.render.progress import progress_caption
from bot.services.progress import Progress

NB = "\u00a0"
PROGRESS = Progress(3, 5, 12, 0.5, 0.4, date(2026, 3, 8))


def test_the_progress_title_without_a_first_name() -> None:
    assert progress_caption(None, PROGRESS).startswith("📈 <b>Your progress</b>\n")
    assert progress_caption("Zoë", PROGRESS).startswith("📈 <b>Zoë's progress</b>\n")
    with i18n.speaking("fr"):
        nameless = progress_caption(None, PROGRESS)
        named = progress_caption("Zoë", PROGRESS)
    assert nameless.startswith("📈 <b>Tes progrès</b>\n")
    assert "Your" not in nameless
    assert named.startswith("📈 <b>Les progrès de Zoë</b>\n")


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
