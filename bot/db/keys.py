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


def feed_checkin(member_id: int, day: date) -> str:
    """The feed item of a member's check-in (its note and effort) on a local date."""
    return f"fc:{member_id}:{day.isoformat()}"


def feed_asked(member_id: int, message_id: int) -> str:
    """A photo, video or question the member was asked to send to a coach."""
    return f"fa:{member_id}:{message_id}"


def pain_alert(feed_item_id: int, trainer_id: int) -> str:
    """The alert about a worrying note to one coach: once per item and coach."""
    return f"al:{feed_item_id}:{trainer_id}"


def relay(update_id: int, recipient_id: int) -> str:
    """A message relayed in a coach thread: what one update said, to one recipient."""
    return f"rl:{update_id}:{recipient_id}"


def relay_prompt(chat_id: int, message_id: int) -> str:
    """The bot's "type your reply" prompt to a coach (one per message sent)."""
    return f"rp:{chat_id}:{message_id}"


def member_digest(member_id: int, week_start: date) -> str:
    """A member's weekly digest, once per week (by its Monday)."""
    return f"dg:{member_id}:{week_start.isoformat()}"


def trainer_digest(member_id: int, week_start: date) -> str:
    """A coach's weekly digest, once per week (by the Monday of the week it covers)."""
    return f"dt:{member_id}:{week_start.isoformat()}"


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


def web_request(token: str) -> str:
    """What one Mini App request asked for (its client-made token, 8-40 of
    [A-Za-z0-9_-]): the same request sent twice, one effect."""
    return f"web:{token}"


def web_relay(token: str, recipient_id: int) -> str:
    """A message a coach sent from the Mini App, to one recipient."""
    return f"wr:{token}:{recipient_id}"
