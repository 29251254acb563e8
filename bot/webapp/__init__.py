"""The Telegram Mini App served under /app: init-data checks, JSON API, static pages."""
