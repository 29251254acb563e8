"""The documents a newcomer reads first stay true to the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ["README.md", "CONTRIBUTING.md", "docs/ARCHITECTURE.md", "content/FORMAT.md"]
# Paths the documents name in backticks: a top-level folder or file of ours.
_PATH = re.compile(
    r"`((?:bot|docs|tests|bench|content|migrations|deploy|\.ci)/[\w./-]*|[\w.-]+\.(?:md|toml|ini|example))`"
)
_LINK = re.compile(r"\]\(([^)#\s]+)\)")


@pytest.mark.parametrize("name", DOCS)
def test_every_named_path_exists(name: str) -> None:
    text = (ROOT / name).read_text()
    named = set(_PATH.findall(text)) | {link for link in _LINK.findall(text) if "://" not in link}
    missing = sorted(p for p in named if not (ROOT / p.rstrip("/")).exists())
    assert not missing, f"{name} names paths that are not in the repository: {missing}"


@pytest.mark.parametrize("name", DOCS)
def test_nothing_points_outside_the_repository(name: str) -> None:
    assert "../" not in (ROOT / name).read_text(), f"{name} refers to a file outside the repo"


def test_env_example_lists_every_variable_of_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    variables = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, re.M))
    assert "BOT_TOKEN" in variables
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, re.M))
    assert variables <= listed, f".env.example misses {sorted(variables - listed)}"


def test_env_example_sets_nothing_that_stops_a_command() -> None:
    """`cp .env.example .env` must leave every command able to start."""
    example = (ROOT / ".env.example").read_text()
    active = [line for line in example.splitlines() if re.match(r"^[A-Z_]+=", line)]
    assert active == [], f"uncommented values in .env.example: {active}"
