// The booking wizard's date grid (WAI-ARIA APG date picker, issue 18): the keyboard moves the focus
// in the browser, without waiting for the server. One Tab stop (roving tabindex); Arrow Left/Right =
// previous/next day, Up/Down = same weekday a week before/after, Home/End = first/last day of the
// row, Page Up/Down = previous/next month (same day, or the month's last). Enter or Space click the
// day (the server picks it and shows its times). Leaving the month shown clicks the month buttons
// and focuses the day once that month has arrived. Listeners sit on the document, so they outlive
// React's re-renders (a MutationObserver keeps one Tab stop when React sets tabindex again); the
// script is loaded once in every page's <head>.
(function () {
  if (window.__makerhoursDateGrid) return;
  window.__makerhoursDateGrid = true;
  var GRID = "[data-date-grid]";
  var pending = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function parse(iso) { var p = iso.split("-"); return new Date(Date.UTC(+p[0], +p[1] - 1, +p[2])); }
  function format(d) { return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()); }
  function addDays(iso, n) { var d = parse(iso); d.setUTCDate(d.getUTCDate() + n); return format(d); }
  function addMonths(iso, n) {
    var d = parse(iso);
    var last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n + 1, 0)).getUTCDate();
    return format(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, Math.min(d.getUTCDate(), last))));
  }
  function cellOf(grid, iso) { return grid.querySelector('[data-date="' + iso + '"]'); }

  function focusCell(grid, cell) {
    grid.querySelectorAll("[data-date]").forEach(function (other) { other.tabIndex = other === cell ? 0 : -1; });
    cell.focus();
  }

  function waitForMonth() {
    if (!pending) return;
    var grid = document.querySelector(GRID);
    var cell = grid && cellOf(grid, pending.iso);
    if (cell) { pending = null; focusCell(grid, cell); return; }
    if (Date.now() > pending.until) { pending = null; return; }
    setTimeout(waitForMonth, 25);
  }

  function moveTo(grid, iso) {
    var cell = cellOf(grid, iso);
    if (cell) { focusCell(grid, cell); return; }
    var later = iso.slice(0, 7) > (grid.getAttribute("data-month") || "");
    var button = document.getElementById(later ? "calendar-next" : "calendar-previous");
    if (!button || button.disabled) return;  // before this month, or past the last free day
    pending = {iso: iso, until: Date.now() + 5000};
    button.click();
    waitForMonth();
  }

  document.addEventListener("keydown", function (event) {
    var cell = event.target && event.target.closest ? event.target.closest(GRID + " [data-date]") : null;
    if (!cell || event.altKey || event.ctrlKey || event.metaKey) return;
    var grid = cell.closest(GRID);
    var iso = cell.getAttribute("data-date");
    var row = Array.prototype.slice.call(cell.closest("tr").querySelectorAll("[data-date]"));
    var target;
    switch (event.key) {
      case "ArrowLeft": target = addDays(iso, -1); break;
      case "ArrowRight": target = addDays(iso, 1); break;
      case "ArrowUp": target = addDays(iso, -7); break;
      case "ArrowDown": target = addDays(iso, 7); break;
      case "Home": target = row[0].getAttribute("data-date"); break;
      case "End": target = row[row.length - 1].getAttribute("data-date"); break;
      case "PageUp": target = addMonths(iso, -1); break;
      case "PageDown": target = addMonths(iso, 1); break;
      case "Enter":
      case " ":
        event.preventDefault();
        if (!event.repeat) cell.click();
        return;
      default:
        return;
    }
    event.preventDefault();
    moveTo(grid, target);
  });

  // Whichever way a day got the focus (click, Tab, script), it is the grid's one Tab stop.
  document.addEventListener("focusin", function (event) {
    var cell = event.target && event.target.closest ? event.target.closest(GRID + " [data-date]") : null;
    if (cell) {
      cell.closest(GRID).querySelectorAll("[data-date]").forEach(function (other) {
        if (other !== cell && other.tabIndex !== -1) other.tabIndex = -1;
      });
      cell.tabIndex = 0;
    }
  });

  // A re-render while a day has the focus (a new month's data, say) gives React's Tab stop
  // tabindex 0 again: the focused day stays the only one, or Tab would stop in the grid twice.
  new MutationObserver(function () {
    var active = document.activeElement;
    var cell = active && active.closest ? active.closest(GRID + " [data-date]") : null;
    if (!cell) return;
    cell.closest(GRID).querySelectorAll('[data-date][tabindex="0"]').forEach(function (other) {
      if (other !== cell) other.tabIndex = -1;
    });
  }).observe(document.documentElement, {subtree: true, attributes: true, attributeFilter: ["tabindex"]});
})();
