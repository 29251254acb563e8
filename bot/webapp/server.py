"""The Mini App on the bot's HTTP listener: pages and JSON under /app.

Every /app/api request carries Telegram's init data in the
`X-Telegram-Init-Data` header; `initdata.verify` checks its signature with the
bot token and its age. The person's role is read from the database at each
request (`StaffService.role_of`, `FeedbackService.scope_of`): a member never
reaches a trainer endpoint (403), a cohort trainer sees only their cohorts.
The page itself holds no data, no token and no secret; a cookie is never set,
so a forged cross-site request carries nothing. Every change goes through the
services the chat commands use.

Each request is answered in the language the bot speaks to that person
(`services.members.speaks`: their /language choice, else the init data's
language_code): errors, labels, dates and the content of that language; /me
also brings the page its own words (`webapp/strings.py`).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot import i18n
from bot.background import spawn
from bot.config import TELEGRAM_API_ROOT, is_valid_zone
from bot.context import BotApplication, BotData
from bot.db import keys
from bot.db.dto import MemberDTO
from bot.db.status import STAFF_ROLES, BroadcastStatus, Role
from bot.i18n import _, ngettext
from bot.render.markdown import to_html
from bot.render.rules import problems
from bot.services.answers import training_profile
from bot.services.broadcasts import INACTIVE_CHOICES, Audience, BroadcastError, BroadcastView
from bot.services.dashboard import STATUSES, DashboardService, RosterQuery
from bot.services.feedback import Scope
from bot.services.members import language_of_member
from bot.services.preferences import next_session
from bot.webapp.initdata import InitDataError, WebAppUser, verify
from bot.webapp.strings import page_strings
from bot.webapp.views import (
    calendar_json,
    card_json,
    day_json,
    labelled,
    member_page_json,
    roster_json,
)

log = logging.getLogger(__name__)

HEADER = "X-Telegram-Init-Data"
TELEGRAM_JS = "https://telegram.org/js/telegram-web-app.js"
STAND_IN_JS = "/app/static/telegram-stand-in.js"
STATIC = {
    "app.js": "text/javascript",
    "app.css": "text/css",
    "telegram-stand-in.js": "text/javascript",
}
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{8,40}$")
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_BODY = 64 * 1024
LIBRARY_LIMIT = 20
ADHERENCE_CACHE_S = 15.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Endpoint = Callable[[web.Request, "Caller"], Awaitable[Any]]


def _static(name: str) -> bytes:
    return resources.files("bot.webapp").joinpath("static", name).read_bytes()


def csp(stand_in: bool) -> str:
    """The page's Content-Security-Policy: our own files only (plus Telegram's
    script in production), no inline script or style, no framing by others."""
    scripts = "'self'" if stand_in else "'self' https://telegram.org"
    return (
        f"default-src 'none'; script-src {scripts}; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors https://web.telegram.org https://*.telegram.org"
        + (" http://127.0.0.1:* http://localhost:*" if stand_in else "")
    )


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking, as the database has them now."""

    user: WebAppUser
    member: MemberDTO | None
    role: Role

    @property
    def staff(self) -> bool:
        return self.role in STAFF_ROLES


class Refused(Exception):
    """A JSON error: the status and one short sentence the page shows."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _int(request: web.Request, name: str, default: int | None = None) -> int | None:
    raw = request.query.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdecimal() or len(raw) > 9:
        raise Refused(400, _("{name} must be a whole number.").format(name=name))
    return int(raw)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise Refused(400, _("The request is not JSON.")) from None
    if not isinstance(body, dict):
        raise Refused(400, _("The request is not a JSON object."))
    return body


def _token(body: dict[str, Any]) -> str:
    token = body.get("request")
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        raise Refused(400, _("The request has no request id."))
    return token


def _text(body: dict[str, Any], limit: int = 4000) -> str:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise Refused(400, _("Write something first."))
    if len(text) > limit:
        raise Refused(
            400,
            _("That is {count} characters; keep it under {limit}.").format(
                count=len(text), limit=limit
            ),
        )
    return text.strip()


class MiniApp:
    """The /app routes of one bot application."""

    def __init__(self, app: BotApplication) -> None:
        self._app = app
        self._data: BotData = app.bot_data
        config = self._data.config
        self._token = config.bot_token.get_secret_value() if config.bot_token else ""
        self._max_age = timedelta(seconds=config.webapp_max_age)
        # Against anything but Telegram (the sandbox) the page loads our stand-in
        # of Telegram's script, which cannot be fetched there.
        self._stand_in = config.api_base_url != TELEGRAM_API_ROOT
        self._policy = csp(self._stand_in)
        script = STAND_IN_JS if self._stand_in else TELEGRAM_JS
        index = _static("index.html").decode().replace("{{TELEGRAM_JS}}", script)
        # The page's shell, before app.js takes over, in each language: it is
        # chosen by the browser's Accept-Language (Telegram's app sends its own).
        self._index = {language: _shell(index, language) for language in i18n.LANGUAGES}
        self._dashboard: DashboardService | None = None
        # The chart's figures per scope, for a few seconds: they come from
        # member_stats, which the refresh job renews every 30 s anyway, and a
        # trainer switching tabs should not recount 30 days each time.
        self._adherence: dict[int | tuple[int, ...] | None, tuple[float, dict[str, Any]]] = {}

    @property
    def dashboard(self) -> DashboardService:
        if self._dashboard is None:
            services = self._data.services
            # It reads the programs' structure only (rest days, lengths), which
            # every language's content shares: the English catalog, whoever asks first.
            english = self._data.libraries.get(i18n.DEFAULT).catalog
            self._dashboard = DashboardService(
                services.database.sessions, self._data.clock, english
            )
        return self._dashboard

    def mount(self, web_app: web.Application) -> None:
        """Add the /app routes and their security headers."""
        for language in i18n.LANGUAGES:
            page_strings(language)  # read app.js once now, not at someone's first /me
        web_app.middlewares.append(self._headers)
        router = web_app.router
        router.add_get("/app", self._to_index)
        router.add_get("/app/", self._page)
        router.add_get("/app/static/{name}", self._file)
        for table, staff in ((MEMBER_ROUTES, False), (TRAINER_ROUTES, True)):
            for path, (method, name) in table.items():
                endpoint: Endpoint = getattr(self, name)
                router.add_route(method, f"/app/api/{path}", self._checked(endpoint, staff=staff))

    # -- plumbing --------------------------------------------------------------------
    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/app"):
            return await handler(request)
        try:
            response = await handler(request)
        except Refused as refused:
            response = web.json_response({"error": refused.message}, status=refused.status)
        except web.HTTPException as exc:
            if not request.path.startswith("/app/api/"):
                raise
            response = web.json_response({"error": exc.reason}, status=exc.status)
        response.headers["Content-Security-Policy"] = self._policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.path.startswith("/app/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    def _checked(self, handler: Endpoint, *, staff: bool) -> Handler:
        async def checked(request: web.Request) -> web.StreamResponse:
            # Before the init data is checked nobody is known: a refusal then
            # follows the browser's language (Accept-Language), else English.
            with i18n.speaking(i18n.resolve(None, _browser_language(request))):
                caller = await self._caller(request)
            # From here on, the language of that person, as the bot answers them.
            with i18n.speaking(language_of_member(caller.member, caller.user.language_code)):
                if staff and not caller.staff:
                    raise Refused(403, _("This page is for trainers."))
                if request.method == "POST" and (request.content_length or 0) > MAX_BODY:
                    raise Refused(413, _("That request is too large."))
                result = await handler(request, caller)
            return result if isinstance(result, web.StreamResponse) else web.json_response(result)

        return checked

    async def _caller(self, request: web.Request) -> Caller:
        try:
            user = verify(
                request.headers.get(HEADER), self._token, self._data.clock.now(), self._max_age
            )
        except InitDataError as exc:
            log.info("mini app: refused a request to %s (%s)", request.path, exc)
            raise Refused(401, _("Open this page from the bot in Telegram.")) from None
        services = self._data.services
        member = await services.members.get(user.id)
        return Caller(user, member, services.staff.role_of(user.id, member))

    async def _scope(self, caller: Caller) -> Scope:
        return await self._data.services.feedback.scope_of(caller.user.id, caller.role)

    def _known(self, caller: Caller) -> MemberDTO:
        if caller.member is None:
            raise Refused(404, _("Send /start to the bot first."))
        return caller.member

    def _zone(self, caller: Caller) -> str:
        return caller.member.timezone if caller.member else self._data.config.default_timezone

    # -- pages -----------------------------------------------------------------------
    async def _to_index(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPPermanentRedirect("/app/")

    async def _page(self, request: web.Request) -> web.StreamResponse:
        language = i18n.resolve(None, _browser_language(request))
        return web.Response(
            body=self._index.get(language, self._index[i18n.DEFAULT]),
            content_type="text/html",
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    async def _file(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in STATIC or (name == "telegram-stand-in.js" and not self._stand_in):
            raise web.HTTPNotFound()
        return web.Response(
            body=_static(name),
            content_type=STATIC[name],
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    # -- everyone --------------------------------------------------------------------
    async def me(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        member = caller.member
        return {
            "name": member.first_name if member else caller.user.first_name,
            "role": str(caller.role),
            "staff": caller.staff,
            "member": member is not None and member.onboarded,
            # The page's own words in this person's language (bot/webapp/strings.py).
            **page_strings(i18n.current()),
        }

    async def my(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        member = self._known(caller)
        services = self._data.services
        catalog = self._data.library.catalog
        calendar = await services.checkins.calendar(member)
        plan = await services.planner.plan(member)
        program = catalog.programs.get(member.program_id or "")
        today = plan.local_date
        days: list[dict[str, Any]] = []
        if program is not None and member.program_start is not None:
            # The marks of this cycle's days: from the last time day 1 came round.
            seen = calendar.days(max(member.program_start, today - timedelta(days=400)), today)
            marks: dict[int, str] = {}
            for info in seen:
                if info.program_day == 1:
                    marks = {}
                if info.program_day is not None:
                    marks[info.program_day] = info.mark
            profile = training_profile(member)
            for day in program.days:
                current = plan.state in ("training", "rest") and day.day == plan.day
                days.append(day_json(catalog, day, profile, marks.get(day.day), current))
        progress = calendar.progress()
        upcoming = next_session(member)
        return {
            "name": member.first_name,
            "today": today.isoformat(),
            "state": plan.state,
            "day": plan.day,
            "length": plan.length,
            "program": program.name if program else None,
            "streak": progress.current_streak,
            "longest": progress.longest_streak,
            "done": progress.total_done,
            "adherence_7": progress.adherence_7,
            "adherence_30": progress.adherence_30,
            "calendar": calendar_json(calendar.days(today - timedelta(days=34), today)),
            "days": days,
            "settings": {
                "time": member.reminder_time.strftime("%H:%M"),
                "timezone": member.timezone,
                "status": member.status,
                "paused_until": member.paused_until.isoformat() if member.paused_until else None,
                "paused_until_label": labelled(member.paused_until, "long"),
                "program_id": member.program_id,
            },
            "programs": [{"id": p.id, "name": p.name} for p in catalog.programs.values()],
            "next_session": _local(upcoming, member.timezone),
        }

    async def my_settings(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        member = self._known(caller)
        body = await _body(request)
        preferences = self._data.services.preferences
        telegram_id = member.telegram_id
        if "timezone" in body:
            zone = str(body["timezone"]).strip()
            if not is_valid_zone(zone):
                raise Refused(
                    400, _("{zone} is not a time zone like Europe/Berlin.").format(zone=zone[:40])
                )
            member = (await preferences.set_timezone(telegram_id, zone)).member
        if "time" in body:
            found = TIME_RE.match(str(body["time"]).strip())
            if found is None:
                raise Refused(400, _("Give the time as HH:MM, like 07:30."))
            at = time(int(found.group(1)), int(found.group(2)))
            member = (await preferences.set_reminder_time(telegram_id, at)).member
        if "program_id" in body and body["program_id"] != member.program_id:
            program_id = str(body["program_id"])
            if program_id not in self._data.library.catalog.programs:
                raise Refused(400, _("There is no such program."))
            member = (await preferences.choose_program(telegram_id, program_id)).member
        pause = body.get("pause")
        if pause == "resume":
            member = (await preferences.resume(telegram_id)).member
        elif pause is not None:
            if not isinstance(pause, int) or isinstance(pause, bool) or not 1 <= pause <= 60:
                raise Refused(400, _("A break is 1 to 60 days."))
            member = (await preferences.pause(telegram_id, pause)).member
        return {
            "time": member.reminder_time.strftime("%H:%M"),
            "timezone": member.timezone,
            "status": member.status,
            "next_session": _local(next_session(member), member.timezone),
        }

    async def library(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        query = request.query.get("q", "").strip()[:60]
        library = self._data.library
        catalog = library.catalog
        index = library.index("all")
        ids = index.ranked(query, LIBRARY_LIMIT) if query else list(library.featured)
        return {"cards": [card_json(catalog, i, brief=True) for i in ids if catalog.card(i)]}

    async def card(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        card_id = request.match_info["card_id"]
        if self._data.library.catalog.card(card_id) is None:
            raise Refused(404, _("There is no such card."))
        return card_json(self._data.library.catalog, card_id, brief=False)

    # -- trainers --------------------------------------------------------------------
    async def roster(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        scope = await self._scope(caller)
        status = request.query.get("status") or None
        if status is not None and status not in STATUSES:
            raise Refused(400, _("Unknown status."))
        inactive = _int(request, "inactive")
        if inactive is not None and not 1 <= inactive <= 365:
            raise Refused(400, _("Inactive days are 1 to 365."))
        ask = RosterQuery(
            search=request.query.get("q", ""),
            cohort_id=_int(request, "cohort"),
            status=status,
            at_risk=request.query.get("risk") == "1",
            inactive_days=inactive,
            sort=request.query.get("sort", "name"),
            descending=request.query.get("desc") == "1",
            page=_int(request, "page", 0) or 0,
            per_page=_int(request, "per", 50) or 50,
        )
        return roster_json(await self.dashboard.roster(scope, ask))

    async def cohorts(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        scope = await self._scope(caller)
        cohorts = await self._data.services.staff.cohorts()
        mine = [c for c in cohorts if scope.cohort_ids is None or c.id in scope.cohort_ids]
        return {"cohorts": [{"id": c.id, "name": c.name} for c in mine]}

    async def adherence(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        scope = await self._scope(caller)
        cohort = _int(request, "cohort")
        if cohort is not None and scope.cohort_ids is not None and cohort not in scope.cohort_ids:
            raise Refused(403, _("That cohort is not one of yours."))
        target = cohort if cohort is not None else scope.cohort_ids
        cached = self._adherence.get(target)
        if cached is not None and cached[0] > monotonic():
            return _dated(cached[1])
        stats = await self._data.services.stats.community(target)
        answer = {
            "by_status": stats.by_status,
            "checked_in_today": stats.checked_in_today,
            "adherence_7": stats.adherence_7,
            "adherence_30": stats.adherence_30,
            "at_risk": len(stats.at_risk),
            "days": [
                {"date": day.isoformat(), "done": done, "active": active}
                for (day, done), active in zip(stats.daily_done, stats.daily_active, strict=False)
            ],
        }
        self._adherence[target] = (monotonic() + ADHERENCE_CACHE_S, answer)
        return _dated(answer)

    async def member(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        scope = await self._scope(caller)
        member_id = int(request.match_info["member_id"])
        page = await self.dashboard.member(scope, member_id)
        if page is None:
            raise Refused(404, _("No such member among yours."))
        programs = self._data.library.catalog.programs
        return member_page_json(page, programs, next_session(page.member))

    async def message(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        coach = self._known(caller)
        body = await _body(request)
        scope = await self._scope(caller)
        member_id = int(request.match_info["member_id"])
        outcome = await self._data.services.feedback.message_member(
            _token(body), coach, member_id, scope, _text(body, 1500)
        )
        if outcome.outcome == "not_yours":
            raise Refused(404, _("No such member among yours."))
        if outcome.outcome == "unreachable":
            raise Refused(409, _("They stopped or blocked the bot: the message cannot reach them."))
        self._data.services.sender.wake.set()
        return {"status": "queued"}

    async def feed(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        scope = await self._scope(caller)
        page = await self._data.services.feedback.feed(scope, _int(request, "page", 0) or 0, 10)
        return {
            "page": page.page,
            "pages": page.pages,
            "entries": [
                {
                    "id": e.id,
                    "member": e.member_name,
                    "kind": e.kind,
                    "date": e.local_date.isoformat() if e.local_date else None,
                    "label": labelled(e.local_date),
                    "text": e.text,
                    "effort": e.effort,
                    "media": e.media,
                    "alert": e.alert,
                    "replies": e.replies,
                }
                for e in page.entries
            ],
        }

    async def reply(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        coach = self._known(caller)
        body = await _body(request)
        scope = await self._scope(caller)
        item_id = int(request.match_info["item_id"])
        feedback = self._data.services.feedback
        if await feedback.item(item_id, scope) is None:
            raise Refused(404, _("That item is gone or not one of yours."))
        token = _token(body)
        # An item has one member: (request, item) names one message to them.
        outcome = await feedback.to_member(
            0, coach, item_id, _text(body, 1500), key=keys.web_relay(token, item_id)
        )
        if outcome.outcome != "queued":
            raise Refused(409, _("They stopped or blocked the bot: the reply cannot reach them."))
        self._data.services.sender.wake.set()
        return {"status": "queued"}

    async def audiences(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        scope = await self._scope(caller)
        cohorts = [
            (c.id, c.name)
            for c in await self._data.services.staff.cohorts()
            if scope.cohort_ids is None or c.id in scope.cohort_ids
        ]
        counts = await self._data.services.broadcasts.counts(cohorts)
        choices = [] if scope.cohort_ids is not None else [("all", _("Everyone active"))]
        choices += [(f"c{cid}", _("Cohort {name}").format(name=name)) for cid, name in cohorts]
        if scope.cohort_ids is None:
            choices += [
                (
                    f"i{d}",
                    ngettext("Inactive {days}+ day", "Inactive {days}+ days", d).format(days=d),
                )
                for d in INACTIVE_CHOICES
            ]
            choices += [("t", _("Not checked in today"))]
        return {
            "audiences": [
                {"id": key, "label": label, "count": counts.get(key, 0)} for key, label in choices
            ]
        }

    async def compose(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        """Preview (`send` false) or send/schedule a broadcast."""
        body = await _body(request)
        html = to_html(_text(body, 4096))
        refused = problems(html)
        if refused:
            # Translators: {problem} is Telegram's own error text, in English as it words it.
            message = _("Telegram would refuse it: {problem}.")
            raise Refused(400, message.format(problem=refused[0]))
        audience = self._audience(body.get("audience"), await self._scope(caller))
        broadcasts = self._data.services.broadcasts
        if not body.get("send"):
            return {"html": html, "count": await broadcasts.size(audience)}
        when = self._when(body.get("at"), self._zone(caller))
        author = caller.user.id
        chat = caller.member.chat_id if caller.member else author
        try:
            broadcast_id = await broadcasts.draft(
                author, chat, text=html, scheduled_at=when,
                request_key=keys.web_request(_token(body)),
            )  # fmt: skip
            view = await broadcasts.view(broadcast_id)
            if view.status == BroadcastStatus.DRAFT:
                await broadcasts.choose(broadcast_id, author, audience)
                view = await broadcasts.confirm(broadcast_id, author)
        except BroadcastError as exc:
            raise Refused(409, str(exc)) from None
        if view.status == BroadcastStatus.QUEUEING:
            spawn(self._app, self._queue(view.id), name=f"queue-{view.id}")
        return _broadcast_json(view, self._zone(caller))

    async def _queue(self, broadcast_id: int) -> None:
        services = self._data.services
        await services.broadcasts.queue(broadcast_id)
        services.sender.wake.set()

    def _audience(self, token: Any, scope: Scope) -> Audience:
        audience = Audience.parse(str(token or ""))
        if audience is None:
            raise Refused(400, _("Choose who gets it."))
        if scope.cohort_ids is not None and (
            audience.kind != "cohort" or audience.cohort_id not in scope.cohort_ids
        ):
            raise Refused(403, _("You can send to your own cohorts only."))
        return audience

    def _when(self, raw: Any, zone: str) -> datetime | None:
        if raw in (None, ""):
            return None
        try:
            local = datetime.fromisoformat(str(raw))
        except ValueError:
            raise Refused(400, _("Give the time as a date and a time.")) from None
        if local.tzinfo is None:
            local = local.replace(tzinfo=ZoneInfo(zone))
        if local <= self._data.clock.now():
            raise Refused(400, _("That time has passed: choose a later one."))
        return local

    async def broadcast(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        broadcast_id = int(request.match_info["broadcast_id"])
        try:
            view = await self._data.services.broadcasts.view(broadcast_id)
        except BroadcastError:
            raise Refused(404, _("No such broadcast.")) from None
        mine = (caller.user.id, getattr(caller.member, "chat_id", None))
        if view.author_chat_id not in mine and caller.role != Role.ADMIN:
            raise Refused(404, _("No such broadcast."))
        return _broadcast_json(view, self._zone(caller))

    async def cancel(self, request: web.Request, caller: Caller) -> dict[str, Any]:
        broadcast_id = int(request.match_info["broadcast_id"])
        author = None if caller.role == Role.ADMIN else caller.user.id
        try:
            view = await self._data.services.broadcasts.cancel(broadcast_id, author)
        except BroadcastError as exc:
            raise Refused(409, str(exc)) from None
        return _broadcast_json(view, self._zone(caller))


# Everyone's endpoints (a member row needed for their own data).
MEMBER_ROUTES: dict[str, tuple[str, str]] = {
    "me": ("GET", "me"),
    "my": ("GET", "my"),
    "my/settings": ("POST", "my_settings"),
    "library": ("GET", "library"),
    "cards/{card_id:[a-z0-9-]{1,64}}": ("GET", "card"),
}

# Trainer endpoints: path → (method, MiniApp method). The authorization test
# walks this table, so a new endpoint is refused to members by construction.
TRAINER_ROUTES: dict[str, tuple[str, str]] = {
    "roster": ("GET", "roster"),
    "cohorts": ("GET", "cohorts"),
    "adherence": ("GET", "adherence"),
    "members/{member_id:\\d{1,9}}": ("GET", "member"),
    "members/{member_id:\\d{1,9}}/message": ("POST", "message"),
    "feed": ("GET", "feed"),
    "feed/{item_id:\\d{1,9}}/reply": ("POST", "reply"),
    "audiences": ("GET", "audiences"),
    "broadcasts": ("POST", "compose"),
    "broadcasts/{broadcast_id:\\d{1,9}}": ("GET", "broadcast"),
    "broadcasts/{broadcast_id:\\d{1,9}}/cancel": ("POST", "cancel"),
}


def _local(when: datetime | None, zone: str) -> str | None:
    """A moment as the page shows it, in `zone` and the language of the request."""
    if when is None:
        return None
    local = when.astimezone(ZoneInfo(zone))
    return _("{day}, {time}").format(
        day=i18n.format_day(local.date(), "short"), time=local.strftime("%H:%M")
    )


def _dated(adherence: dict[str, Any]) -> dict[str, Any]:
    """The chart's figures (kept for every language) with its dates in this one."""
    days = [
        {**day, "label": labelled(date.fromisoformat(day["date"]))} for day in adherence["days"]
    ]
    return {**adherence, "days": days}


def _shell(index: str, language: str) -> bytes:
    """index.html with its few words in `language` (the rest comes from app.js)."""
    with i18n.speaking(language):
        words = {
            "{{LANG}}": language,
            "{{SKIP}}": _("Skip to content"),
            "{{SECTIONS}}": _("Sections"),
            "{{LOADING}}": _("Loading…"),
            "{{NOSCRIPT}}": _("This page needs JavaScript: open it from the bot in Telegram."),
        }
    for placeholder, text in words.items():
        index = index.replace(placeholder, html.escape(text, quote=True))
    return index.encode()


def _browser_language(request: web.Request) -> str | None:
    """The first language of the request's Accept-Language header, if any."""
    first = request.headers.get("Accept-Language", "").split(",")[0]
    return first.split(";")[0].strip() or None


def _broadcast_json(view: BroadcastView, zone: str) -> dict[str, Any]:
    return {
        "id": view.id,
        "status": view.status,
        "total": view.total,
        "sent": view.sent,
        "failed": view.failed,
        "blocked": view.blocked,
        "cancelled": view.cancelled,
        "remaining": view.remaining,
        "finished": view.finished,
        "scheduled_at": _local(view.scheduled_at, zone),
    }
