/* Makerhours booking widget. Paste on any page:
 *   <script src="https://book.example.com/embed.js" data-builder="demo"
 *           data-type="intro" data-mode="inline"></script>
 * data-mode="inline" (default) puts the booking wizard in place of the tag; "popup" shows a
 * button ("data-label", default "Book a session") that opens it over the page. The frame
 * takes the height of its content. When a booking is confirmed inside it, the host page
 * receives a message {type: "makerhours:booking_confirmed", booking: {...}} (check that
 * event.origin is this script's origin). Payment opens Stripe Checkout in the top window. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, location.href).origin;
  var builder = (script.getAttribute("data-builder") || "").trim();
  if (!builder) {
    console.error("Makerhours widget: add data-builder=\"<your booking page name>\" to the script tag.");
    return;
  }
  var type = (script.getAttribute("data-type") || "").trim();
  var mode = script.getAttribute("data-mode") === "popup" ? "popup" : "inline";
  var src = origin + "/book/" + encodeURIComponent(builder) + "/?embed=1" +
    (type ? "&type=" + encodeURIComponent(type) : "");
  var frames = [];

  function makeFrame() {
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.title = "Book a session";
    frame.setAttribute("data-makerhours-widget", mode);
    frame.style.cssText = "display:block;width:100%;min-height:420px;border:0;color-scheme:normal;";
    frames.push(frame);
    return frame;
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || typeof event.data.type !== "string") return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source && event.data.type === "makerhours:resize") {
        var height = Number(event.data.height);
        if (height > 0 && height < 20000) frames[i].style.height = Math.ceil(height) + "px";
      }
    }
  });

  if (mode === "inline") {
    script.parentNode.insertBefore(makeFrame(), script.nextSibling);
    return;
  }

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = script.getAttribute("data-label") || "Book a session";
  button.setAttribute("data-makerhours-open", "");
  button.style.cssText = "font:inherit;padding:0.6em 1.1em;border:0;border-radius:8px;" +
    "background:#3e63dd;color:#fff;cursor:pointer;";
  script.parentNode.insertBefore(button, script.nextSibling);

  button.addEventListener("click", function () {
    var overlay = document.createElement("div");
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", "Book a session");
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483000;background:rgba(0,0,0,0.45);" +
      "display:flex;align-items:flex-start;justify-content:center;overflow-y:auto;padding:4vh 12px;";
    var panel = document.createElement("div");
    panel.style.cssText = "position:relative;width:100%;max-width:760px;background:#fff;border-radius:12px;" +
      "padding:8px;box-shadow:0 10px 40px rgba(0,0,0,0.3);";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Close");
    close.style.cssText = "position:absolute;top:4px;right:8px;font-size:24px;line-height:1;border:0;" +
      "background:transparent;cursor:pointer;z-index:1;";
    function shut() {
      var index = frames.indexOf(frame);
      if (index >= 0) frames.splice(index, 1);
      overlay.remove();
      document.removeEventListener("keydown", onKey);
      button.focus();
    }
    function onKey(event) { if (event.key === "Escape") shut(); }
    close.addEventListener("click", shut);
    overlay.addEventListener("click", function (event) { if (event.target === overlay) shut(); });
    document.addEventListener("keydown", onKey);
    var frame = makeFrame();
    panel.appendChild(close);
    panel.appendChild(frame);
    overlay.appendChild(panel);
    document.body.appendChild(overlay);
    close.focus();
  });
})();
