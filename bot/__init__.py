"""Defy Gravity bootcamp bot."""

import os

__version__ = "0.1.0"

# Opt in to PTB 22's durations as timedelta (RetryAfter.retry_after and friends);
# the int form is deprecated and warns on every read.
os.environ.setdefault("PTB_TIMEDELTA", "1")
