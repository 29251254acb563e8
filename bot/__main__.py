"""`python -m bot` does what `bootcamp-bot` does."""

import sys

from bot.cli import main

sys.exit(main())
