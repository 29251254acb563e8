"""The Mini App's API through the bot's real listener, on both engines: nobody
without Telegram's signature gets data, members never reach trainer endpoints,
a cohort trainer sees their cohorts only, and what the dashboard does goes
through the chat commands' services (the relay, the outbox, the settings)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import aiohttp

from bot.db.status import Role
from bot.sandbox import Sandbox
from bot.webapp.server import MEMBER_ROUTES, TRAINER_ROUTES
from tests.kit.recording import TOKEN
from tests.kit.webapp import ADMIN_ID, TRAINER_ID, Community, Served, init_data
from tests.webapp.conftest import COUNT


def concrete(path: str) -> str:
    """A route pattern with a real value in each placeholder."""
    placeholder = r"\{(\w+)(?::(?:[^{}]|\{[^{}]*\})*)?\}"
    return re.sub(placeholder, lambda m: "1" if m.group(1) != "card_id" else "glute-bridge", path)


EVERY_ROUTE = [(m, concrete(p)) for p, (m, _) in {**MEMBER_ROUTES, **TRAINER_ROUTES}.items()]
TRAINER_ONLY = [(m, concrete(p)) for p, (m, _) in TRAINER_ROUTES.items()]


async def test_no_data_without_a_valid_signature(served: Served, community: Community) -> None:
    member = community.members[0]
    now = served.clock.now()
    forged = [
        None,  # no init data at all
        init_data(member, "Member 0", now, token="999:" + "B" * 35),  # another bot's
        init_data(member, "Member 0", now - timedelta(hours=1, seconds=5)),  # too old
        init_data(member, "Member 0", now).replace("hash=", "hash=0"),  # a wrong hash
        init_data(ADMIN_ID, "Dana", now).replace("%22id%22%3A42", "%22id%22%3A43"),  # changed
    ]
    for method, path in EVERY_ROUTE:
        for raw in forged:
            body = {} if method == "POST" else None
            status, answer = await served.call(path, None, body, raw=raw)
            assert status == 401, (method, path, raw, answer)
            assert answer == {"error": "Open this page from the bot in Telegram."}


async def test_a_member_gets_403_from_every_trainer_endpoint(
    served: Served, community: Community
) -> None:
    for method, path in TRAINER_ONLY:
        body = {"text": "hi", "request": "abcdefgh1234", "audience": "all"}
        status, answer = await served.call(
            path, community.members[1], body if method == "POST" else None
        )
        assert status == 403, (method, path, answer)
        assert answer == {"error": "This page is for trainers."}


async def test_a_stranger_is_told_to_start(served: Served) -> None:
    status, me = await served.call("me", 777_000, name="Stranger")
    assert status == 200
    assert {key: me[key] for key in ("name", "role", "staff", "member", "language")} == {
        "name": "Stranger",
        "role": "member",
        "staff": False,
        "member": False,
        "language": "en",
    }
    assert me["messages"] == {}  # English is the page's own
    status, answer = await served.call("my", 777_000)
    assert (status, answer) == (404, {"error": "Send /start to the bot first."})


async def test_the_page_is_locked_down(served: Served) -> None:
    async with aiohttp.ClientSession() as http, http.get(served.app_url) as response:
        page = await response.text()
        headers = response.headers
    assert response.status == 200
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "'unsafe-inline'" not in policy
    assert "default-src 'none'" in policy
    assert "frame-ancestors" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert TOKEN not in page
    assert TOKEN.split(":")[1] not in page
    assert "<script>" not in page  # no inline script: every script is a file of ours
    assert "/app/static/telegram-stand-in.js" in page  # the sandbox: Telegram's is unreachable
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{served.base}/app/static/x.js") as missing,
    ):
        assert missing.status == 404
    assert "set-cookie" not in {k.lower() for k in headers}


async def test_the_menu_buttons_open_the_app(served: Served, sandbox: Sandbox) -> None:
    everyone = sandbox.menu_button()
    assert everyone["type"] == "web_app"
    assert everyone["text"] == "My progress"
    assert everyone["web_app"]["url"] == f"{served.app_url}?view=progress"
    for staff in (ADMIN_ID, TRAINER_ID):
        button = sandbox.menu_button(staff)
        assert (button["text"], button["web_app"]["url"]) == (
            "Dashboard",
            f"{served.app_url}?view=roster",
        )


async def test_the_roster_pages_filters_and_keeps_to_the_scope(
    served: Served, community: Community
) -> None:
    status, everyone = await served.call("roster?per=10", ADMIN_ID)
    assert status == 200
    assert everyone["total"] == COUNT + 2
    assert everyone["pages"] == 5
    assert len(everyone["rows"]) == 10
    names = [r["name"] for r in everyone["rows"]]
    assert names == sorted(names, key=str.lower)
    _, cora = await served.call("roster?per=100", TRAINER_ID)
    assert cora["total"] == COUNT // 2
    assert {r["cohort"] for r in cora["rows"]} == {"Spring"}
    _, other = await served.call(f"roster?cohort={community.autumn}", TRAINER_ID)
    assert other["total"] == 0  # not her cohort: nothing, whatever she asks
    _, risky = await served.call("roster?risk=1&per=100", ADMIN_ID)
    ids = {r["id"] for r in risky["rows"]}
    assert {community.member_ids[t] for t in community.at_risk} <= ids
    assert all(r["adherence_30"] - r["adherence_7"] >= 0.3 for r in risky["rows"])
    _, idle = await served.call("roster?inactive=5&per=100", ADMIN_ID)
    assert {community.member_ids[t] for t in community.at_risk} <= {r["id"] for r in idle["rows"]}
    _, found = await served.call("roster?q=member%2012", ADMIN_ID)
    assert [r["name"] for r in found["rows"]] == ["Member 12"]
    _, by_streak = await served.call("roster?sort=streak&desc=1&per=100", ADMIN_ID)
    streaks = [r["streak"] for r in by_streak["rows"]]
    assert streaks == sorted(streaks, reverse=True)
    for bad in ("roster?page=x", "roster?inactive=0", "roster?status=gone"):
        status, answer = await served.call(bad, ADMIN_ID)
        assert status == 400
        assert answer["error"]


async def test_a_message_from_the_dashboard_reaches_the_members_chat(
    served: Served, community: Community, sandbox: Sandbox
) -> None:
    member = community.members[0]  # Spring
    member_id = community.member_ids[member]
    status, page = await served.call(f"members/{member_id}", TRAINER_ID)
    assert status == 200
    assert page["cohort"] == "Spring"
    assert len(page["calendar"]) == 28
    body = {"text": "Great week, keep <going> & smile", "request": "req-0001-abcdef"}
    assert await served.call(f"members/{member_id}/message", TRAINER_ID, body) == (
        200,
        {"status": "queued"},
    )
    # The same request again (a retry): one message only.
    assert (await served.call(f"members/{member_id}/message", TRAINER_ID, body))[0] == 200
    await sandbox.wait_for(lambda: _coach_messages(sandbox, member), timeout=15)
    await asyncio.sleep(1.5)
    messages = _coach_messages(sandbox, member)
    assert len(messages) == 1
    assert "Coach Cora" in messages[0]
    assert "keep &lt;going&gt; &amp; smile" in messages[0]
    autumn = community.member_ids[community.members[1]]
    assert (await served.call(f"members/{autumn}", TRAINER_ID))[0] == 404
    status, _ = await served.call(
        f"members/{autumn}/message", TRAINER_ID, {**body, "request": "other-123"}
    )
    assert status == 404
    status, answer = await served.call(
        f"members/{member_id}/message", TRAINER_ID, {"text": " ", "request": "r-12345678"}
    )
    assert (status, answer) == (400, {"error": "Write something first."})


def _coach_messages(sandbox: Sandbox, user_id: int) -> list[str]:
    return [
        m.source or m.text or ""
        for m in sandbox.messages(user_id)
        if m.from_bot and "Coach" in (m.text or "")
    ]


async def test_a_cohort_broadcast_from_the_dashboard(
    served: Served, community: Community, sandbox: Sandbox
) -> None:
    _, audiences = await served.call("audiences", TRAINER_ID)
    assert [a["id"] for a in audiences["audiences"]] == [f"c{community.spring}"]
    assert audiences["audiences"][0]["count"] == COUNT // 2
    text = {"text": "**Stretch** break at *noon*", "request": "bc-123456789"}
    status, preview = await served.call(
        "broadcasts", TRAINER_ID, {**text, "audience": f"c{community.spring}"}
    )
    assert status == 200
    assert preview == {
        "html": "<b>Stretch</b> break at <i>noon</i>",
        "count": COUNT // 2,
    }
    refused = {**text, "audience": f"c{community.autumn}", "send": True}
    assert (await served.call("broadcasts", TRAINER_ID, refused))[0] == 403
    send = {**text, "audience": f"c{community.spring}", "send": True}
    status, view = await served.call("broadcasts", TRAINER_ID, send)
    assert status == 200
    again = await served.call("broadcasts", TRAINER_ID, send)
    assert again[1]["id"] == view["id"]  # the same request twice is one broadcast

    async def finished() -> dict[str, Any]:
        while True:
            _, progress = await served.call(f"broadcasts/{view['id']}", TRAINER_ID)
            if progress["finished"]:
                return dict(progress)
            await asyncio.sleep(0.3)

    progress = await asyncio.wait_for(finished(), 30)
    assert progress["sent"] == progress["total"] == COUNT // 2
    spring = [t for n, t in enumerate(community.members) if n % 2 == 0]
    got = [
        t
        for t in community.members
        if any("Stretch" in (m.text or "") for m in sandbox.messages(t))
    ]
    assert sorted(got) == sorted(spring)
    assert (await served.call(f"broadcasts/{view['id']}", community.members[0]))[0] == 403


async def test_a_member_sees_their_program_and_moves_their_session(
    served: Served, community: Community
) -> None:
    member = community.members[2]
    status, mine = await served.call("my", member)
    assert status == 200
    assert mine["state"] == "training"
    assert len(mine["days"]) == 28
    today = [d for d in mine["days"] if d["today"]]
    assert len(today) == 1
    assert today[0]["day"] == mine["day"]
    assert today[0]["sections"]
    assert mine["next_session"] == "Tue 10 Mar, 20:00"
    status, changed = await served.call("my/settings", member, {"time": "21:30"})
    assert status == 200
    assert changed["next_session"] == "Tue 10 Mar, 21:30"
    for bad, error in (({"time": "25:00"}, "HH:MM"), ({"timezone": "Mars/Base"}, "time zone")):
        status, answer = await served.call("my/settings", member, bad)
        assert status == 400
        assert error in answer["error"]
    status, paused = await served.call("my/settings", member, {"pause": 3})
    assert paused["status"] == "paused"
    _, resumed = await served.call("my/settings", member, {"pause": "resume"})
    assert resumed["status"] == "active"


async def test_the_library_searches_the_cards(served: Served, community: Community) -> None:
    status, found = await served.call("library?q=glute%20med", community.members[0])
    assert status == 200
    assert found["cards"][0]["id"] == "gluteus-medius"
    status, card = await served.call("cards/gluteus-medius", community.members[0])
    assert status == 200
    assert card["name"]
    assert card["lists"]
    assert (await served.call("cards/no-such-card", community.members[0]))[0] == 404


async def test_chat_answers_end_with_open_in_the_app(
    served: Served, community: Community, sandbox: Sandbox
) -> None:
    """/stats, /roster and /progress keep their answers and add the app's button."""
    for user_id, command, view in (
        (ADMIN_ID, "/stats", "adherence"),
        (ADMIN_ID, "/roster", "roster"),
        (community.members[0], "/progress", "progress"),
    ):

        def answered(user_id: int = user_id) -> list[Any]:
            return [m for m in sandbox.messages(user_id) if m.from_bot and (m.photo or m.document)]

        before = len(answered())
        sandbox.send_text(user_id, command)
        await sandbox.wait_for(lambda b=before: len(answered()) > b, timeout=30)  # type: ignore[misc]
        markup = answered()[-1].reply_markup
        assert markup is not None
        button = markup["inline_keyboard"][-1][0]
        assert button["text"] == "📱 Open in the app"
        assert button["web_app"]["url"] == f"{served.app_url}?view={view}"


async def test_every_wrong_input_gets_a_short_answer(served: Served, community: Community) -> None:
    member = community.members[0]
    spring = f"c{community.spring}"
    cases: list[tuple[str, int, Any, int, str]] = [
        ("broadcasts", ADMIN_ID, {"text": "hi", "audience": "nobody"}, 400, "Choose who gets it."),
        ("broadcasts", ADMIN_ID, {"text": "", "audience": "all"}, 400, "Write something first."),
        ("broadcasts", ADMIN_ID, {"text": "x" * 4097, "audience": "all"}, 400, "keep it under"),
        (
            "broadcasts", ADMIN_ID,
            {"text": "hi", "audience": spring, "send": True, "at": "2026-03-09T18:00",
             "request": "past-12345678"},
            400, "That time has passed",
        ),
        (
            "broadcasts", ADMIN_ID,
            {"text": "hi", "audience": spring, "send": True, "at": "soon",
             "request": "soon-12345678"},
            400, "a date and a time",
        ),
        ("broadcasts", ADMIN_ID, {"text": "hi", "audience": "all", "send": 1}, 400, "request id"),
        ("broadcasts", TRAINER_ID, {"text": "hi", "audience": "all"}, 403, "your own cohorts"),
        ("my/settings", member, {"pause": 0}, 400, "A break is 1 to 60 days."),
        ("my/settings", member, {"pause": True}, 400, "A break is 1 to 60 days."),
        ("my/settings", member, {"program_id": "nope"}, 400, "There is no such program."),
        ("my/settings", member, [], 400, "not a JSON object"),
        ("feed/999/reply", ADMIN_ID, {"text": "hi", "request": "r-12345678"}, 404, "gone"),
        ("broadcasts/999/cancel", ADMIN_ID, {}, 409, ""),
        # an id past a 32-bit key is none of ours (PostgreSQL would refuse it)
        ("feed/262546909415/reply", ADMIN_ID, {"text": "hi", "request": "r-87654321"}, 404, ""),
        ("broadcasts/2147483648/cancel", ADMIN_ID, {}, 404, ""),
    ]  # fmt: skip
    for path, user, body, status, words in cases:
        got, answer = await served.call(path, user, body)
        assert got == status, (path, body, answer)
        assert words in answer["error"], answer
        assert len(answer["error"]) <= 120, answer
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{served.base}/app/api/my/settings",
            data="{not json",
            headers={"X-Telegram-Init-Data": init_data(member, "M", served.clock.now())},
        ) as response,
    ):
        assert response.status == 400
        assert await response.json() == {"error": "The request is not JSON."}
    status, scheduled = await served.call(
        "broadcasts",
        ADMIN_ID,
        {"text": "Later", "audience": spring, "send": True, "at": "2026-03-11T18:00",
         "request": "later-1234567"},
    )  # fmt: skip
    assert status == 200
    assert (scheduled["status"], scheduled["scheduled_at"]) == ("scheduled", "Wed 11 Mar, 18:00")
    status, cancelled = await served.call(f"broadcasts/{scheduled['id']}/cancel", ADMIN_ID, {})
    assert (status, cancelled["status"]) == (200, "cancelled")


async def test_the_role_is_read_at_every_request(served: Served, community: Community) -> None:
    """Promoted, the member reaches the dashboard at once; demoted, at once not."""
    person = community.members[5]
    staff = served.app.bot_data.services.staff
    assert (await served.call("roster", person))[0] == 403
    await staff.set_role(person, Role.TRAINER)
    status, page = await served.call("roster", person)
    assert status == 200
    assert page["total"] == COUNT + 2  # a trainer without cohorts sees everyone
    await staff.set_role(person, Role.MEMBER)
    assert (await served.call("roster", person))[0] == 403
