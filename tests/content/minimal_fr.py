"""The French twin of `minimal`: the same ids and structure, French words."""

from __future__ import annotations

from pathlib import Path

from tests.content import minimal

SAFETY = "  - Arrête tout de suite si tu ressens une douleur vive ou inhabituelle.\n"

WORDS = {
    minimal.SAFETY: SAFETY,
    "name: Glute A\naliases: [ga]": "name: Fessier A\naliases: [fa, muscle a]",
    "summary: A test muscle that sits at the back of the hip.": (
        "summary: Un muscle de test à l'arrière de la hanche."
    ),
    "name: Bone B": "name: Os B",
    "name: Basic move": "name: Pont de base",
    "name: Hard move": "name: Mouvement dur",
    "name: Easy stretch": "name: Étirement doux",
    "name: Roll it": "name: Le rouler",
    "title: Why it matters": "title: Pourquoi c'est important",
    "## First": "## Premier",
    "## Second": "## Second",
    "name: Test program": "name: Programme de test",
}


def french(text: str) -> str:
    for english, words in WORDS.items():
        text = text.replace(english, words)
    return text


FILES: dict[str, str] = {rel: french(text) for rel, text in minimal.FILES.items()}


def write(root: Path, changes: dict[str, str | None] | None = None) -> Path:
    """The English minimal content under `root` and its French twin in `root/fr`,
    with French files replaced (or removed: None)."""
    minimal.write(root)
    files: dict[str, str | None] = {**FILES, **(changes or {})}
    for rel, text in files.items():
        if text is None:
            continue
        path = root / "fr" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
