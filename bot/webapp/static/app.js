// The Defy Gravity Mini App: the trainer's dashboard and the member's own page.
// Plain script, no build step. Every request carries Telegram's init data in a
// header; the server decides what this person may see. Text from the server
// is put in the page with textContent; only card bodies and the broadcast
// preview, which the server made as escaped Telegram HTML, go in as HTML.
// Every visible string is English inside _(), ngettext() or pgettext(): pybabel
// extracts them into the bot's catalog (babel.cfg), and /app/api/me brings
// their translations in the person's language (bot/webapp/strings.py).
(function () {
  "use strict";
  var tg = (window.Telegram && window.Telegram.WebApp) || null;
  var main = document.getElementById("main");
  var tabs = document.getElementById("tabs");
  var me = null;
  var backHandler = null;
  var mainHandler = null;

  // -- words ----------------------------------------------------------------------
  // The translations of the person's language, and the catalog's plural rule as a
  // table: the form for n below its length, else the form of 100 + n % 100.
  // Until they come (and for English) the page reads its own English.
  var strings = {};
  var plurals = [1, 0];
  function _(text) {
    var found = strings[text];
    return typeof found === "string" ? found : text;
  }
  function pgettext(context, text) {
    var found = strings[context + "\u0004" + text];
    return typeof found === "string" ? found : text;
  }
  function ngettext(singular, plural, count) {
    var forms = strings[singular];
    if (!Array.isArray(forms)) { return count === 1 ? singular : plural; }
    var form = count < plurals.length ? plurals[count] : plurals[100 + count % 100];
    return forms[form] || forms[forms.length - 1];
  }
  // "Page {page} of {pages}" with the values put in (a translation may move them).
  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }
  function speak(data) {
    strings = data.messages || {};
    plurals = data.plural && data.plural.length ? data.plural : plurals;
    document.documentElement.lang = data.language || "en";
  }
  function statusLabel(status) {
    return { active: _("active"), paused: _("paused"), blocked: _("blocked the bot"), left: _("left") }[status] || status;
  }
  function markLabel(mark) {
    return {
      done: _("done"), missed: _("missed"), skipped: _("skipped"), pending: _("to do"), rest: _("rest"),
      extra: _("rest, done anyway"), paused: _("paused"), off: _("outside the program")
    }[mark] || mark;
  }
  function legend() {
    return format(_("✓ done · ✗ missed · – skipped · {rest} rest · {paused} paused"), { rest: pgettext("calendar mark", "R"), paused: pgettext("calendar mark", "P") });
  }

  // -- helpers ------------------------------------------------------------------
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) { return; }
      if (key === "text") { node.textContent = value; }
      else if (key === "onclick") { node.addEventListener("click", value); }
      else if (key === "onchange") { node.addEventListener("change", value); }
      else if (key === "oninput") { node.addEventListener("input", value); }
      else if (key === "onsubmit") { node.addEventListener("submit", value); }
      else { node.setAttribute(key, value === true ? "" : value); }
    });
    function append(child) {
      if (child === null || child === undefined || child === false || child === "") { return; }
      if (Array.isArray(child)) { child.forEach(append); return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    for (var i = 2; i < arguments.length; i++) { append(arguments[i]); }
    return node;
  }
  function field(label, input) {
    var id = input.id || ("f" + Math.random().toString(36).slice(2, 9));
    input.id = id;
    return el("div", {}, el("label", { "for": id, text: label }), input);
  }
  function options(select, items, chosen) {
    items.forEach(function (item) {
      select.appendChild(el("option", { value: item[0], selected: String(item[0]) === String(chosen) }, item[1]));
    });
    return select;
  }
  function percent(value) { return value === null || value === undefined ? "–" : Math.round(value * 100) + "%"; }
  function requestId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function show(nodes) {
    main.replaceChildren.apply(main, nodes.filter(function (n) { return n; }));
    main.focus();
  }
  function problem(error) { return el("p", { "class": "error", role: "alert", text: error.message || String(error) }); }

  function api(path, body) {
    var init = {
      method: body ? "POST" : "GET",
      headers: { "X-Telegram-Init-Data": tg ? tg.initData : "" },
      credentials: "omit"
    };
    if (body) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch("/app/api/" + path, init).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new Error(data.error || format(_("Something went wrong ({status})."), { status: response.status })); }
        return data;
      });
    });
  }

  function setBack(handler) {
    if (!tg) { return; }
    if (backHandler) { tg.BackButton.offClick(backHandler); }
    backHandler = handler;
    if (handler) { tg.BackButton.onClick(handler); tg.BackButton.show(); } else { tg.BackButton.hide(); }
  }
  function setMain(text, handler) {
    if (!tg) { return; }
    if (mainHandler) { tg.MainButton.offClick(mainHandler); }
    mainHandler = handler;
    if (handler) { tg.MainButton.setText(text); tg.MainButton.onClick(handler); tg.MainButton.show(); }
    else { tg.MainButton.hide(); }
  }

  // -- navigation ---------------------------------------------------------------
  var views = {};
  function go(name, arg) {
    setBack(null);
    setMain(null, null);
    Array.prototype.forEach.call(tabs.children, function (b) {
      if (b.dataset.view === name) { b.setAttribute("aria-current", "page"); } else { b.removeAttribute("aria-current"); }
    });
    show([el("p", { "class": "hint", text: _("Loading…") })]);
    Promise.resolve(views[name](arg)).catch(function (error) { show([problem(error)]); });
  }
  function buildTabs() {
    var list = me.staff
      ? [["roster", _("Members")], ["adherence", _("Adherence")], ["feed", _("Feed")], ["broadcast", _("Broadcast")]]
      : [];
    if (me.member) {
      list = list.concat([["progress", _("My progress")], ["program", _("Program")], ["library", _("Library")], ["settings", _("Settings")]]);
    } else {
      list = list.concat([["library", _("Library")]]);
    }
    tabs.replaceChildren.apply(tabs, list.map(function (item) {
      return el("button", { type: "button", "data-view": item[0], onclick: function () { go(item[0]); } }, item[1]);
    }));
    return list.map(function (item) { return item[0]; });
  }

  // -- trainer: roster ----------------------------------------------------------
  var rosterState = { q: "", cohort: "", status: "", filter: "", sort: "name", desc: false, page: 0 };
  var cohortsCache = null;
  function cohorts() {
    if (cohortsCache) { return Promise.resolve(cohortsCache); }
    return api("cohorts").then(function (data) { cohortsCache = data.cohorts; return cohortsCache; });
  }
  views.roster = function () {
    return cohorts().then(function (list) {
      var s = rosterState;
      var search = el("input", { type: "search", value: s.q, placeholder: _("Name or @username"), autocomplete: "off" });
      var cohort = options(el("select", { name: "cohort" }), [["", _("All cohorts")]].concat(list.map(function (c) { return [c.id, c.name]; })), s.cohort);
      var status = options(el("select", { name: "status" }), [["", _("Any status")], ["active", _("Active")], ["paused", _("Paused")], ["blocked", _("Blocked the bot")], ["left", _("Left")]], s.status);
      var inactive = [3, 7, 14].map(function (days) {
        return ["i" + days, format(ngettext("Inactive {days}+ day", "Inactive {days}+ days", days), { days: days })];
      });
      var filter = options(el("select", { name: "filter" }), [["", _("Everyone")], ["risk", _("At risk")]].concat(inactive), s.filter);
      var sort = options(el("select", { name: "sort" }), [["name", _("Name")], ["streak", _("Streak")], ["adherence7", _("Adherence 7 days")], ["adherence30", _("Adherence 30 days")], ["last", _("Last check-in")], ["joined", _("Joined")]], s.sort);
      var desc = el("input", { type: "checkbox", checked: s.desc });
      var results = el("div", { id: "roster-results" }, el("p", { "class": "hint", text: _("Loading…") }));
      var timer = null;
      function reload(keepPage) {
        s.q = search.value; s.cohort = cohort.value; s.status = status.value; s.filter = filter.value;
        s.sort = sort.value; s.desc = desc.checked;
        if (!keepPage) { s.page = 0; }
        var query = new URLSearchParams({ q: s.q, sort: s.sort, page: String(s.page), per: "50" });
        if (s.cohort) { query.set("cohort", s.cohort); }
        if (s.status) { query.set("status", s.status); }
        if (s.desc) { query.set("desc", "1"); }
        if (s.filter === "risk") { query.set("risk", "1"); }
        if (s.filter.charAt(0) === "i") { query.set("inactive", s.filter.slice(1)); }
        api("roster?" + query.toString()).then(function (data) { drawRoster(results, data, reload); })
          .catch(function (error) { results.replaceChildren(problem(error)); });
      }
      search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { reload(false); }, 250); });
      [cohort, status, filter, sort, desc].forEach(function (node) { node.addEventListener("change", function () { reload(false); }); });
      show([
        el("h2", { text: _("Members") }),
        el("div", { "class": "panel", role: "search" },
          field(_("Search"), search),
          el("div", { "class": "row" }, field(_("Cohort"), cohort), field(_("Status"), status), field(_("Show"), filter), field(_("Sort by"), sort)),
          el("label", { "class": "check" }, desc, _("Highest first"))),
        results
      ]);
      reload(true);
    });
  };
  function drawRoster(target, data, reload) {
    var head = el("tr", {},
      el("th", { scope: "col", text: _("Name") }), el("th", { scope: "col", "class": "wide", text: _("Cohort") }),
      el("th", { scope: "col", "class": "num", text: _("Streak") }), el("th", { scope: "col", "class": "num", text: _("7 d") }),
      el("th", { scope: "col", "class": "num", text: _("30 d") }), el("th", { scope: "col", "class": "num wide", text: _("Last") }));
    var rows = data.rows.map(function (r) {
      return el("tr", {},
        el("td", {}, el("button", { type: "button", "class": "link", "data-member": r.id, onclick: function () { go("member", r.id); } }, r.name),
          r.status !== "active" ? el("div", { "class": "hint", text: statusLabel(r.status) }) : null),
        el("td", { "class": "wide", text: r.cohort || "–" }),
        el("td", { "class": "num", text: String(r.streak) }),
        el("td", { "class": "num", text: percent(r.adherence_7) }),
        el("td", { "class": "num", text: percent(r.adherence_30) }),
        el("td", { "class": "num wide", text: r.last_checkin_label || _("never") }));
    });
    var prev = el("button", { type: "button", "class": "secondary", disabled: data.page === 0, onclick: function () { rosterState.page -= 1; reload(true); } }, _("‹ Previous"));
    var next = el("button", { type: "button", "class": "secondary", disabled: data.page >= data.pages - 1, onclick: function () { rosterState.page += 1; reload(true); } }, _("Next ›"));
    target.replaceChildren(
      el("p", { "class": "hint", id: "roster-total", text: format(ngettext("{count} member", "{count} members", data.total), { count: data.total }) }),
      data.rows.length ? el("table", {}, el("caption", { "class": "skip", text: _("Members") }), el("thead", {}, head), el("tbody", {}, rows)) : el("p", { text: _("Nobody matches.") }),
      el("div", { "class": "pager" }, prev, pageOf(data.page, data.pages), next));
  }
  function pageOf(page, pages) {
    return el("span", { "class": "hint", text: format(_("Page {page} of {pages}"), { page: page + 1, pages: pages }) });
  }

  // -- trainer: a member ----------------------------------------------------------
  function calendar(days, today) {
    var rest = pgettext("calendar mark", "R");
    var labels = { done: "✓", missed: "✗", skipped: "–", pending: "·", rest: rest, extra: rest + "✓", paused: pgettext("calendar mark", "P"), off: "" };
    return el("div", { "class": "cal", role: "list", "aria-label": _("Calendar") }, days.map(function (d) {
      var when = d.date.slice(8, 10);
      var said = format(_("{day}: {mark}"), { day: d.label, mark: markLabel(d.mark) });
      return el("div", { role: "listitem", "class": d.mark + (d.date === today ? " today" : ""), title: said, "aria-label": said },
        el("div", { text: when }), el("div", { "aria-hidden": "true", text: labels[d.mark] || "" }));
    }));
  }
  function figures(items) {
    return el("div", { "class": "figures" }, items.map(function (item) {
      return el("div", { "class": "figure" }, el("b", { text: item[1] }), el("span", { text: item[0] }));
    }));
  }
  function effort(value) { return format(_("effort {effort}/5"), { effort: value }); }
  function progressFigures(m) {
    return [[_("Streak"), String(m.streak)], [_("Longest"), String(m.longest)], [_("Sessions"), String(m.done)], [_("7 days"), percent(m.adherence_7)], [_("30 days"), percent(m.adherence_30)]];
  }
  views.member = function (id) {
    setBack(function () { go("roster"); });
    return api("members/" + id).then(function (m) {
      var text = el("textarea", { maxlength: "1500", required: true, id: "message-text" });
      var status = el("p", { "aria-live": "polite", id: "message-status" });
      var send = el("button", { type: "submit", "class": "primary", id: "message-send" }, format(_("Send to {name}"), { name: m.name }));
      var token = requestId();
      var form = el("form", {
        onsubmit: function (event) {
          event.preventDefault();
          send.disabled = true;
          api("members/" + m.id + "/message", { text: text.value, request: token }).then(function () {
            status.className = "ok"; status.textContent = format(_("Sent: it is on its way to {name}’s chat."), { name: m.name });
            text.value = ""; token = requestId();
          }).catch(function (error) { status.className = "error"; status.textContent = error.message; })
            .then(function () { send.disabled = false; });
        }
      }, field(_("Message (they get it from the bot as a coach message and can reply)"), text), el("div", { "class": "actions" }, send), status);
      var today = m.calendar.length ? m.calendar[m.calendar.length - 1].date : "";
      show([
        el("h2", { text: m.name + (m.username ? " (@" + m.username + ")" : "") }),
        el("p", { "class": "hint", text: [
          m.cohort ? format(_("Cohort {name}"), { name: m.cohort }) : _("No cohort"), m.program || _("no program"), statusLabel(m.status),
          format(_("sessions at {time} {zone}"), { time: m.time, zone: m.timezone })].join(" · ") }),
        figures(progressFigures(m)),
        el("h3", { text: _("Last four weeks") }), calendar(m.calendar, today),
        el("p", { "class": "legend", text: legend() }),
        el("h3", { text: _("Notes and efforts") }),
        m.notes.length ? el("ul", {}, m.notes.map(function (n) {
          return el("li", {}, el("b", { text: n.label }), n.effort ? " · " + effort(n.effort) : "", n.text ? " — " + n.text : "");
        })) : el("p", { "class": "hint", text: _("No notes yet.") }),
        el("h3", { text: format(_("Message {name}"), { name: m.name }) }), el("div", { "class": "panel" }, form)
      ]);
    });
  };

  // -- trainer: adherence chart -------------------------------------------------------
  function chart(days) {
    var ns = "http://www.w3.org/2000/svg";
    var width = 360, height = 180, left = 28, bottom = 20;
    var top = Math.max(1, Math.max.apply(null, days.map(function (d) { return Math.max(d.done, d.active); })));
    var step = (width - left) / Math.max(days.length, 1);
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("class", "chart");
    svg.setAttribute("role", "img");
    var total = days.reduce(function (sum, d) { return sum + d.done; }, 0);
    svg.setAttribute("aria-label", format(_("Check-ins per day over {days} days: {count} in all"), { days: days.length, count: total }));
    function add(tag, attrs, text) {
      var node = document.createElementNS(ns, tag);
      Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      if (text) { node.textContent = text; }
      svg.appendChild(node);
      return node;
    }
    var scale = function (v) { return (height - bottom) - v / top * (height - bottom - 8); };
    days.forEach(function (d, i) {
      var y = scale(d.done);
      var bar = add("rect", { "class": "bar", x: left + i * step + 1, y: y, width: Math.max(step - 2, 1), height: (height - bottom) - y });
      var title = document.createElementNS(ns, "title");
      title.textContent = format(_("{day}: {done} of {active}"), { day: d.label, done: d.done, active: d.active });
      bar.appendChild(title);
      // A date every week, counted back from today (the last bar), never cut off.
      if ((days.length - 1 - i) % 7 === 0) {
        var last = i === days.length - 1;
        add("text", { x: last ? width : left + i * step + step / 2, y: height - 5, "text-anchor": last ? "end" : "middle" }, d.label);
      }
    });
    add("polyline", { "class": "line", points: days.map(function (d, i) { return (left + i * step + step / 2) + "," + scale(d.active); }).join(" ") });
    add("text", { x: 0, y: 12 }, String(top));
    add("text", { x: 0, y: height - bottom }, "0");
    return svg;
  }
  views.adherence = function (cohortId) {
    return cohorts().then(function (list) {
      var select = options(el("select", {}), [["", _("Everyone in my scope")]].concat(list.map(function (c) { return [c.id, c.name]; })), cohortId || "");
      select.addEventListener("change", function () { go("adherence", select.value); });
      return api("adherence" + (cohortId ? "?cohort=" + cohortId : "")).then(function (s) {
        var active = s.by_status.active || 0;
        show([
          el("h2", { text: _("Adherence") }), field(_("Cohort"), select),
          figures([[_("Active"), String(active)], [_("Checked in today"), String(s.checked_in_today)], [_("7 days"), percent(s.adherence_7)], [_("30 days"), percent(s.adherence_30)], [_("At risk"), String(s.at_risk)]]),
          el("h3", { text: _("Check-ins per day (bars) and active members (dashes)") }),
          el("div", { "class": "panel" }, chart(s.days)),
          el("button", { type: "button", "class": "secondary", onclick: function () { rosterState.filter = "risk"; rosterState.cohort = cohortId || ""; go("roster"); } }, _("See who is at risk"))
        ]);
      });
    });
  };

  // -- trainer: feed ------------------------------------------------------------
  views.feed = function (page) {
    page = page || 0;
    return api("feed?page=" + page).then(function (f) {
      var entries = f.entries.map(function (e) {
        var box = el("div", {});
        var open = el("button", {
          type: "button", "class": "link", onclick: function () {
            var text = el("textarea", { maxlength: "1500" });
            var status = el("p", { "aria-live": "polite" });
            var token = requestId();
            box.replaceChildren(el("form", {
              onsubmit: function (event) {
                event.preventDefault();
                api("feed/" + e.id + "/reply", { text: text.value, request: token }).then(function () {
                  status.className = "ok"; status.textContent = format(_("Sent to {name}."), { name: e.member });
                  text.value = ""; token = requestId();
                }).catch(function (error) { status.className = "error"; status.textContent = error.message; });
              }
            }, field(format(_("Reply to {name}"), { name: e.member }), text), el("div", { "class": "actions" }, el("button", { type: "submit", "class": "primary" }, _("Send"))), status));
          }
        }, _("💬 Reply"));
        box.appendChild(open);
        var media = e.media === "video" ? _("sent a video") : e.media ? _("sent a photo") : "";
        var what = e.text || media || (e.effort ? effort(e.effort) : "");
        return el("div", { "class": "feed-entry" },
          el("div", {}, el("b", { text: e.member }), " · ", el("span", { "class": "hint", text: e.label || "" }),
            e.alert ? el("span", { "class": "alert", text: " · " + _("pain alert") }) : null,
            e.replies ? el("span", { "class": "hint", text: " · " + format(ngettext("{count} reply", "{count} replies", e.replies), { count: e.replies }) }) : null),
          el("div", { text: what }), box);
      });
      show([
        el("h2", { text: _("Feed") }),
        entries.length ? el("div", {}, entries) : el("p", { "class": "hint", text: _("Nothing new from your members.") }),
        el("div", { "class": "pager" },
          el("button", { type: "button", "class": "secondary", disabled: f.page === 0, onclick: function () { go("feed", f.page - 1); } }, _("‹ Newer")),
          pageOf(f.page, f.pages),
          el("button", { type: "button", "class": "secondary", disabled: f.page >= f.pages - 1, onclick: function () { go("feed", f.page + 1); } }, _("Older ›")))
      ]);
    });
  };

  // -- trainer: broadcast -----------------------------------------------------------
  views.broadcast = function () {
    return api("audiences").then(function (data) {
      var text = el("textarea", { maxlength: "4096", id: "broadcast-text" });
      var at = el("input", { type: "datetime-local", id: "broadcast-at" });
      var chosen = data.audiences.length ? data.audiences[0].id : "";
      var group = el("fieldset", { "class": "panel" }, el("legend", { text: _("Who gets it") }), data.audiences.map(function (a, i) {
        var radio = el("input", { type: "radio", name: "audience", value: a.id, checked: i === 0, onchange: function () { chosen = a.id; } });
        return el("label", { "class": "check" }, radio, a.label + " (" + a.count + ")");
      }));
      var preview = el("div", { id: "broadcast-preview" });
      var status = el("div", { "aria-live": "polite", id: "broadcast-status" });
      var token = requestId();
      function body(send) { return { text: text.value, audience: chosen, at: at.value || null, send: send, request: token }; }
      var sendButton = el("button", { type: "button", "class": "primary", disabled: true, id: "broadcast-send" }, _("Send"));
      function doPreview() {
        api("broadcasts", body(false)).then(function (p) {
          var copy = el("div", { "class": "preview" });
          copy.innerHTML = p.html; // escaped by the server; <b> and <i> only
          preview.replaceChildren(el("h3", { text: _("Preview: exactly what they get") }), copy,
            el("p", { "class": "hint", text: format(at.value
              ? ngettext("{count} member gets it at {when}.", "{count} members get it at {when}.", p.count)
              : ngettext("{count} member gets it now.", "{count} members get it now.", p.count),
            { count: p.count, when: at.value.replace("T", " ") }) }));
          sendButton.disabled = false;
          setMain(format(_("Send to {count}"), { count: p.count }), doSend);
        }).catch(function (error) { preview.replaceChildren(problem(error)); sendButton.disabled = true; });
      }
      function doSend() {
        sendButton.disabled = true;
        setMain(null, null);
        api("broadcasts", body(true)).then(function (view) { token = requestId(); watch(view.id, status); })
          .catch(function (error) { status.replaceChildren(problem(error)); sendButton.disabled = false; });
      }
      sendButton.addEventListener("click", doSend);
      [text, at].forEach(function (node) { node.addEventListener("input", function () { sendButton.disabled = true; setMain(null, null); }); });
      show([
        el("h2", { text: _("Broadcast") }),
        field(_("Message (**bold**, *italic*; up to 4,096 characters)"), text),
        group,
        field(_("Send later (your time zone; empty: now)"), at),
        el("div", { "class": "actions" }, el("button", { type: "button", "class": "secondary", onclick: doPreview, id: "broadcast-preview-button" }, _("Preview")), sendButton),
        preview, status
      ]);
    });
  };
  function watch(id, target) {
    api("broadcasts/" + id).then(function (v) {
      var done = v.sent + v.failed + v.blocked + v.cancelled;
      var line = v.scheduled_at && v.status === "scheduled"
        ? format(_("Scheduled for {when}."), { when: v.scheduled_at })
        : format(_("Sent {sent} of {total}"), { sent: v.sent, total: v.total })
          + (v.failed ? ", " + format(_("failed {count}"), { count: v.failed }) : "")
          + (v.blocked ? ", " + format(_("blocked {count}"), { count: v.blocked }) : "")
          + (v.finished ? " — " + _("finished.") : "…");
      var bar = el("progress", { max: String(Math.max(v.total, 1)), value: String(done), "aria-label": _("Broadcast progress") });
      var cancel = v.finished ? null : el("button", {
        type: "button", "class": "secondary", onclick: function () { api("broadcasts/" + id + "/cancel", {}).then(function () { watch(id, target); }); }
      }, _("Cancel"));
      target.replaceChildren(el("div", {}, el("h3", { text: _("Progress") }), bar, el("p", { id: "broadcast-progress", "data-status": v.status, text: line }), v.finished ? null : cancel));
      if (!v.finished && v.status !== "scheduled") { setTimeout(function () { if (target.isConnected) { watch(id, target); } }, 1000); }
    }).catch(function (error) { target.replaceChildren(problem(error)); });
  }

  // -- member: progress, program, library, settings --------------------------------
  var mine = null;
  function loadMine() { return api("my").then(function (data) { mine = data; return data; }); }
  function dayBlock(day, open) {
    var marks = { done: "✓ " + markLabel("done"), missed: "✗ " + markLabel("missed"), skipped: markLabel("skipped"), rest: markLabel("rest"), extra: markLabel("rest") + " ✓", paused: markLabel("paused") };
    var summary = el("summary", {}, el("b", { text: format(_("Day {day}"), { day: day.day }) }), el("span", { text: day.title + (day.today ? " · " + _("today") : "") }),
      el("span", { "class": "mark", text: marks[day.mark] || "" }));
    var inner = day.rest ? [el("p", { "class": "hint", text: _("Rest day: recover, walk, stretch if you like.") })] : day.sections.map(function (section) {
      return el("div", {}, el("h3", { text: section.label }), el("ul", { "class": "items" }, section.items.map(function (item) {
        return el("li", {}, el("button", { type: "button", "class": "link", onclick: function () { go("card", item.id); } }, item.name), " — " + item.dose);
      })));
    });
    if (day.note) { inner.unshift(el("p", { "class": "hint", text: day.note })); }
    return el("li", { "class": day.today ? "current" : null, id: day.today ? "today" : null },
      el("details", { open: open }, summary, el("div", {}, inner)));
  }
  function nextSession(when) { return when ? format(_("Next session: {when}"), { when: when }) : _("No session planned."); }
  views.progress = function () {
    return loadMine().then(function (m) {
      var today = m.days.filter(function (d) { return d.today; })[0];
      var session;
      if (m.state === "paused") { session = el("p", { text: _("You are on a break: no session today.") }); }
      else if (!today) { session = el("p", { "class": "hint", text: m.program ? _("No session today.") : _("You have no program yet: send /start to the bot.") }); }
      else { session = el("ul", { "class": "days", id: "today-session" }, dayBlock(today, true)); }
      show([
        el("h2", { text: format(_("Hi {name}"), { name: m.name }) }),
        figures(progressFigures(m)),
        el("h3", { text: m.program ? format(_("Today · {program}, day {day} of {length}"), { program: m.program, day: m.day, length: m.length }) : _("Today") }), session,
        el("p", { id: "next-session", text: nextSession(m.next_session) }),
        el("h3", { text: _("Five weeks") }), calendar(m.calendar, m.today),
        el("p", { "class": "legend", text: format(_("{legend}; today is outlined"), { legend: legend() }) })
      ]);
    });
  };
  views.program = function () {
    return loadMine().then(function (m) {
      if (!m.days.length) { show([el("h2", { text: _("Program") }), el("p", { text: _("You have no program yet: send /start to the bot.") })]); return; }
      show([el("h2", { text: format(ngettext("{program}: {count} day", "{program}: {count} days", m.length), { program: m.program, count: m.length }) }), el("ul", { "class": "days" }, m.days.map(function (d) { return dayBlock(d, d.today); }))]);
      var current = document.getElementById("today");
      if (current && current.scrollIntoView) { current.scrollIntoView({ block: "center" }); }
    });
  };
  views.library = function (query) {
    var search = el("input", { type: "search", value: query || "", placeholder: _("A muscle or an exercise, like glute med"), autocomplete: "off" });
    var results = el("div", {});
    var timer = null;
    function find() {
      api("library?q=" + encodeURIComponent(search.value)).then(function (data) {
        results.replaceChildren(data.cards.length ? el("ul", {}, data.cards.map(function (c) {
          return el("li", {}, el("button", { type: "button", "class": "link", onclick: function () { go("card", c.id); } }, c.name), el("span", { "class": "hint", text: " · " + c.kind_label + (c.summary ? " · " + c.summary : "") }));
        })) : el("p", { text: _("Nothing by that name.") }));
      }).catch(function (error) { results.replaceChildren(problem(error)); });
    }
    search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(find, 250); });
    show([el("h2", { text: _("Library") }), el("div", { role: "search" }, field(_("Search exercises, stretches and anatomy"), search)), results]);
    find();
  };
  views.card = function (id) {
    setBack(function () { window.history.length > 1 ? go("library") : go("library"); });
    return api("cards/" + encodeURIComponent(id)).then(function (c) {
      var body = el("div", { "class": "card-body" });
      body.innerHTML = c.html; // content escaped by the server; <b> and <i> only
      show([el("h2", { text: c.name }), el("p", { "class": "hint", text: c.kind_label + (c.summary ? " · " + c.summary : "") }), body]
        .concat(c.lists.map(function (list) { return el("div", {}, el("h3", { text: list.title }), el("ul", {}, list.items.map(function (item) { return el("li", { text: item }); }))); })));
    });
  };
  views.settings = function () {
    return loadMine().then(function (m) {
      var s = m.settings;
      var timeInput = el("input", { type: "time", value: s.time, required: true, id: "setting-time" });
      var zone = el("input", { type: "text", value: s.timezone, autocomplete: "off", id: "setting-zone", spellcheck: "false" });
      var program = options(el("select", { id: "setting-program" }), m.programs.map(function (p) { return [p.id, p.name]; }), s.program_id);
      var status = el("p", { "aria-live": "polite", id: "settings-status" });
      var next = el("p", { id: "settings-next", text: nextSession(m.next_session) });
      function save(change) {
        return api("my/settings", change).then(function (r) {
          status.className = "ok"; status.textContent = _("Saved.");
          next.textContent = nextSession(r.next_session);
          return r;
        }).catch(function (error) { status.className = "error"; status.textContent = error.message; });
      }
      var form = el("form", {
        onsubmit: function (event) {
          event.preventDefault();
          var change = {};
          if (timeInput.value !== s.time) { change.time = timeInput.value; }
          if (zone.value.trim() !== s.timezone) { change.timezone = zone.value.trim(); }
          if (program.value !== s.program_id) {
            if (!window.confirm(_("Switch program? Your new program starts from day 1."))) { return; }
            change.program_id = program.value;
          }
          save(change).then(function (r) { if (r) { s.time = r.time; s.timezone = r.timezone; } });
        }
      }, field(_("Session time"), timeInput), field(_("Time zone (like Europe/Berlin)"), zone), field(_("Program"), program),
        el("div", { "class": "actions" }, el("button", { type: "submit", "class": "primary", id: "settings-save" }, _("Save"))));
      var days = el("input", { type: "number", min: "1", max: "60", value: "7" });
      var pause = s.status === "paused"
        ? el("div", { "class": "panel" }, el("p", { text: s.paused_until_label ? format(_("You are on a break until {day}."), { day: s.paused_until_label }) : _("You are on a break.") }),
          el("button", { type: "button", "class": "primary", onclick: function () { save({ pause: "resume" }).then(function () { go("settings"); }); } }, _("Resume")))
        : el("div", { "class": "panel" }, field(_("Take a break (days)"), days),
          el("button", { type: "button", "class": "secondary", onclick: function () { save({ pause: parseInt(days.value, 10) }).then(function () { go("settings"); }); } }, _("Pause")));
      show([el("h2", { text: _("Settings") }), el("div", { "class": "panel" }, form), next, status, el("h3", { text: _("A break") }), pause]);
    });
  };

  // -- start ----------------------------------------------------------------------
  function start() {
    if (tg) { tg.ready(); tg.expand(); }
    if (!tg || !tg.initData) {
      show([el("p", { "class": "error", text: _("Open this page from the bot in Telegram.") })]);
      return;
    }
    api("me").then(function (data) {
      me = data;
      speak(data);
      document.getElementById("title").textContent = data.staff ? _("Defy Gravity · Dashboard") : _("Defy Gravity");
      document.title = _("Defy Gravity");
      tabs.setAttribute("aria-label", _("Sections"));
      var skip = document.querySelector("a.skip");
      if (skip) { skip.textContent = _("Skip to content"); }
      var names = buildTabs();
      var wanted = new URLSearchParams(window.location.search).get("view");
      var aliases = { roster: "roster", adherence: "adherence", progress: "progress" };
      var first = names.indexOf(aliases[wanted]) >= 0 ? aliases[wanted] : names[0];
      go(first);
    }).catch(function (error) { show([problem(error)]); });
  }
  start();
}());
