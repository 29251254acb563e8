"""Defy Gravity bootcamp bot."""

__version__ = "0.1.0"
