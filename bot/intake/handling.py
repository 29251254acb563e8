"""What the update being handled right now is, for the error handler.

The dispatcher sets `CURRENT` around `Application.process_update`; the error
handler reads it to record the failure (so the dispatcher retries the update)
and to tell the person only when this was the last attempt.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class Handling:
    update_id: int
    attempt: int
    final: bool  # the last attempt: if it fails, the update is given up
    errors: list[BaseException] = field(default_factory=list)


CURRENT: ContextVar[Handling | None] = ContextVar("inbox_handling", default=None)


def current_handling() -> Handling | None:
    """The update the running handler belongs to (None outside the dispatcher)."""
    return CURRENT.get()
