"""Test doubles: a recording Bot API, update factories, database helpers."""
