"""Everything the user sees: Telegram HTML texts, keyboards and charts."""
