"""The booking pages inside the embeddable widget (``/embed.js`` frames ``/book/<builder>/?embed=1``).

In a frame, the page marks ``<html>`` with ``mh-embed`` (``styles.css`` then hides the site's
header, banner and footer), reports its height to the host page (``makerhours:resize``), sends
Stripe Checkout to the top window (Checkout refuses to run in a frame), and tells the host
page when a booking is confirmed (``makerhours:booking_confirmed``). Outside a frame nothing
changes.
"""

from __future__ import annotations

import json

import reflex as rx

FRAME_SCRIPT = """(function () {
  if (window.self === window.top || window.__makerhoursEmbed) return;
  window.__makerhoursEmbed = true;
  document.documentElement.classList.add("mh-embed");
  var last = 0;
  function send() {
    var shell = document.querySelector(".page-shell");
    var height = Math.ceil(shell ? shell.getBoundingClientRect().height : document.body.scrollHeight);
    if (height && height !== last) {
      last = height;
      window.parent.postMessage({type: "makerhours:resize", height: height}, "*");
    }
  }
  new ResizeObserver(send).observe(document.body);
  setInterval(send, 500);  // pages swapped by the router, dialogs, late fonts
  send();
})()"""


def mark_frame() -> rx.event.EventSpec:
    return rx.call_script(FRAME_SCRIPT)


def checkout_script(url: str) -> str:
    """Load ``url`` in this tab — or, in the widget, in the top window (the click on "Pay" is
    the user gesture browsers ask for); if the browser refuses that, in a new tab."""
    return ("(function (url) {"
            " if (window.__makerhoursEmbed) {"
            "  try { window.top.location.href = url; } catch (error) { window.open(url, '_blank'); }"
            "  return; }"
            " window.location.assign(url); })(" + json.dumps(url) + ")")


def booking_confirmed(booking: dict) -> rx.event.EventSpec:
    """Tell the host page of the widget (if any) that a booking was confirmed. No private
    link or personal data: the host page may be anyone's (``EMBED_ALLOWED_ORIGINS``)."""
    message = json.dumps({"type": "makerhours:booking_confirmed", "booking": booking})
    return rx.call_script(f"if (window.__makerhoursEmbed) window.parent.postMessage({message}, '*')")


# In the document's <head>, before the app's scripts: a browser that blocks third-party
# storage (Chrome with third-party cookies blocked, incognito) throws on any use of
# localStorage / sessionStorage in the widget's frame, and the app would not start. There they
# become in-memory stores for the page's life (the wizard keeps nothing in them it needs later).
STORAGE_FALLBACK = """(function () {
  function memory() {
    var data = {};
    return {
      getItem: function (k) { return Object.prototype.hasOwnProperty.call(data, k) ? data[k] : null; },
      setItem: function (k, v) { data[k] = String(v); },
      removeItem: function (k) { delete data[k]; },
      clear: function () { data = {}; },
      key: function (i) { return Object.keys(data)[i] || null; },
      get length() { return Object.keys(data).length; }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try { window[name].getItem("makerhours"); } catch (error) {
      try { Object.defineProperty(window, name, {value: memory(), configurable: true}); } catch (ignored) {}
    }
  });
})();"""


def head_components() -> list[rx.Component]:
    return [rx.el.script(STORAGE_FALLBACK)]
