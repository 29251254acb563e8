"""Dedupe keys: one function per kind of message or request, one place.

A key names the one message that may exist for a purpose (a member's session
on a date, a broadcast to a member, ...). The outbox's unique `dedupe_key`
makes a second tick, a restart or a second process harmless: the insert of a
key already present is skipped.
"""

from __future__ import annotations

from datetime import date


def reminder(member_id: int, day: date) -> str:
    """The daily session of a member on a local date."""
    return f"rem:{member_id}:{day.isoformat()}"


def broadcast(broadcast_id: int, member_id: int) -> str:
    """A broadcast (or nudge) to one member."""
    return f"bc:{broadcast_id}:{member_id}"


def milestone(member_id: int, streak_start: date, days: int) -> str:
    """A streak milestone: once per streak (by its first day) and length."""
    return f"ms:{member_id}:{streak_start.isoformat()}:{days}"


def program_complete(member_id: int, program_start: date) -> str:
    """The end of one run of a program."""
    return f"pc:{member_id}:{program_start.isoformat()}"


def program_followup(member_id: int, program_start: date) -> str:
    """The one gentle reminder to choose what next, a few days after a program ended."""
    return f"pf:{member_id}:{program_start.isoformat()}"


def group_daily(group_id: int, day: date) -> str:
    """A linked group's daily post on its local date."""
    return f"gd:{group_id}:{day.isoformat()}"


def group_leaderboard(group_id: int, sunday: date) -> str:
    """A linked group's weekly leaderboard, by the Sunday that ends the week."""
    return f"gl:{group_id}:{sunday.isoformat()}"


def group_shoutout(group_id: int, member_id: int, streak_start: date, days: int) -> str:
    """A member's milestone shouted out in one group: once per streak and length."""
    return f"gs:{group_id}:{member_id}:{streak_start.isoformat()}:{days}"


def request(update_id: int) -> str:
    """What one update asked for (a broadcast draft): the same update twice, one effect."""
    return f"upd:{update_id}"
