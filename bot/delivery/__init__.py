"""Messages the bot sends on its own: the due scan (tick), the outbox and its sender."""
