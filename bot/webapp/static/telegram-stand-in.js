// A stand-in for Telegram's telegram-web-app.js, served only when the bot talks
// to something other than Telegram (the sandbox, the tests), where the real
// script cannot be fetched. Like the real one it reads the launch fragment
// (#tgWebAppData=...&tgWebAppThemeParams=...), exposes window.Telegram.WebApp
// and sets the theme as --tg-theme-* CSS variables. Buttons are drawn as plain
// page buttons, so a browser test can press them.
(function () {
  "use strict";
  var launch = new URLSearchParams(window.location.hash.slice(1));
  try { sessionStorage.setItem("tgLaunch", window.location.hash.slice(1)); } catch (e) { /* private mode */ }
  if (!launch.get("tgWebAppData")) {
    try { launch = new URLSearchParams(sessionStorage.getItem("tgLaunch") || ""); } catch (e) { /* none */ }
  }
  var initData = launch.get("tgWebAppData") || "";
  var theme = {};
  try { theme = JSON.parse(launch.get("tgWebAppThemeParams") || "{}"); } catch (e) { theme = {}; }
  Object.keys(theme).forEach(function (key) {
    document.documentElement.style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), theme[key]);
  });
  var unsafe = {};
  new URLSearchParams(initData).forEach(function (value, key) {
    try { unsafe[key] = key === "user" ? JSON.parse(value) : value; } catch (e) { unsafe[key] = value; }
  });

  function pageButton(id, label) {
    var handlers = [];
    var node = null;
    function draw() {
      if (node) { return node; }
      node = document.createElement("button");
      node.type = "button";
      node.id = id;
      node.className = id === "tg-main-button" ? "primary" : "secondary";
      node.style.cssText = id === "tg-main-button"
        ? "position:fixed;left:12px;right:12px;bottom:12px;z-index:20;display:none"
        : "display:none;margin:6px 10px 0;min-height:32px;padding:4px 10px";
      node.textContent = label;
      node.addEventListener("click", function () { handlers.slice().forEach(function (h) { h(); }); });
      if (id === "tg-main-button") { document.body.appendChild(node); } else { document.body.insertBefore(node, document.body.firstChild); }
      return node;
    }
    var api = {
      text: label, isVisible: false, isActive: true,
      setText: function (text) { api.text = text; draw().textContent = text; return api; },
      show: function () { api.isVisible = true; draw().style.display = "block"; return api; },
      hide: function () { api.isVisible = false; draw().style.display = "none"; return api; },
      enable: function () { api.isActive = true; draw().disabled = false; return api; },
      disable: function () { api.isActive = false; draw().disabled = true; return api; },
      onClick: function (h) { handlers.push(h); return api; },
      offClick: function (h) { handlers = handlers.filter(function (x) { return x !== h; }); return api; },
      showProgress: function () { return api; },
      hideProgress: function () { return api; },
      setParams: function (p) { if (p && p.text) { api.setText(p.text); } return api; }
    };
    return api;
  }

  window.Telegram = {
    WebApp: {
      initData: initData,
      initDataUnsafe: unsafe,
      version: launch.get("tgWebAppVersion") || "8.0",
      platform: launch.get("tgWebAppPlatform") || "unknown",
      colorScheme: "light",
      themeParams: theme,
      isExpanded: true,
      ready: function () {},
      expand: function () {},
      close: function () {},
      setHeaderColor: function () {},
      setBackgroundColor: function () {},
      onEvent: function () {},
      offEvent: function () {},
      showAlert: function (message, done) { if (done) { done(); } },
      HapticFeedback: {
        impactOccurred: function () {}, notificationOccurred: function () {}, selectionChanged: function () {}
      },
      MainButton: pageButton("tg-main-button", "Continue"),
      BackButton: pageButton("tg-back-button", "‹ Back")
    }
  };
}());
