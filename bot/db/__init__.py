"""Database layer: metadata, models, engine and repositories (no commits here)."""
