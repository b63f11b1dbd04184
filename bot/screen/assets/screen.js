// The floor screen: polls its data URL, draws one tile per line, and says so in red when the
// server has not answered for a while. Text goes in with textContent only, never as HTML.
(function () {
  "use strict";
  var body = document.body;
  var url = body.dataset.url;
  var pollMs = Number(body.dataset.pollMs) || 2000;
  var rotateMs = Number(body.dataset.rotateMs) || 15000;
  var PER_PAGE = 12;
  var LATE_REPORT_MINUTES = 75;
  var tilesEl = document.getElementById("tiles");
  var template = document.getElementById("tile");
  var lastOk = null;
  var data = null;
  var page = 0;

  function text(el, selector, value) {
    el.querySelector(selector).textContent = value === null || value === undefined ? "" : value;
  }

  function grid(count) {
    var shapes = [[1, 1], [1, 1], [2, 1], [2, 2], [2, 2], [3, 2], [3, 2], [4, 2], [4, 2],
                  [3, 3], [4, 3], [4, 3], [4, 3]];
    return shapes[Math.min(count, PER_PAGE)];
  }

  function pages(tiles) {
    if (tiles.length <= PER_PAGE) return [tiles];
    var count = Math.ceil(tiles.length / PER_PAGE);
    var size = Math.ceil(tiles.length / count);
    var out = [];
    for (var i = 0; i < tiles.length; i += size) out.push(tiles.slice(i, i + size));
    return out;
  }

  function drawTile(tile) {
    var el = template.content.firstElementChild.cloneNode(true);
    el.classList.add(tile.pace_state);
    el.dataset.line = tile.line;
    text(el, ".line", tile.line);
    text(el, ".name", tile.name);
    text(el, ".actual", tile.actual_text);
    text(el, ".target", tile.target_text);
    text(el, ".unit", tile.unit);
    el.querySelector(".fill").style.width = (tile.progress * 100).toFixed(1) + "%";
    text(el, ".share", tile.target === null ? "" : tile.attainment_text);
    text(el, ".pace b", tile.planned ? tile.pace_text : "not planned");
    var oee = el.querySelector(".oee");
    if (tile.oee_text === null) oee.classList.add("none");
    text(el, ".oee b", tile.oee_text === null ? "–" : tile.oee_text);
    var machine = el.querySelector(".machine");
    if (tile.machine === null) machine.classList.add("none");
    text(el, ".machine small", "machine");
    text(el, ".machine b", tile.machine);
    text(el, ".last b", tile.last_report === null ? "–" : tile.last_report);
    if (tile.last_report_minutes !== null && tile.last_report_minutes > LATE_REPORT_MINUTES) {
      el.querySelector(".last").classList.add("late");
    }
    var issues = el.querySelector(".issues");
    tile.issues.forEach(function (issue) {
      var badge = document.createElement("span");
      badge.className = "issue " + issue.severity;
      badge.title = issue.severity;
      badge.textContent = String(issue.count);
      issues.appendChild(badge);
    });
    return el;
  }

  // Shrink a line of text until it fits its box (long numbers on a narrow tile).
  function fit(el) {
    var size = parseFloat(getComputedStyle(el).fontSize);
    for (var i = 0; i < 20 && el.scrollWidth > el.clientWidth + 1; i++) {
      size *= 0.92;
      el.style.fontSize = size + "px";
    }
  }

  function draw() {
    if (!data) return;
    var all = pages(data.tiles);
    page = page % all.length;
    var shown = all[page];
    var shape = grid(shown.length);
    tilesEl.style.setProperty("--cols", shape[0]);
    tilesEl.style.setProperty("--rows", shape[1]);
    tilesEl.replaceChildren.apply(tilesEl, shown.map(drawTile));
    tilesEl.querySelectorAll(".count, .head").forEach(fit);
    document.getElementById("site").textContent = data.site;
    document.getElementById("shift").textContent = data.shift
      ? "Shift " + data.shift + " · " + data.shift_time : "No shift running";
    document.getElementById("clock").textContent = data.clock;
    document.getElementById("page").textContent = all.length > 1
      ? (page + 1) + " / " + all.length : "";
  }

  function showStatus() {
    var updated = document.getElementById("updated");
    if (lastOk === null) {
      body.classList.add("stale");
      updated.textContent = "no connection to the server";
      return;
    }
    var minutes = Math.floor((Date.now() - lastOk) / 60000);
    updated.textContent = "last update " + minutes + " min ago";
  }

  function poll() {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, Math.max(pollMs * 2, 4000));
    fetch(url, { cache: "no-store", signal: controller.signal })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (fresh) {
        data = fresh;
        lastOk = Date.now();
        body.classList.remove("stale");
        body.dataset.updates = String(Number(body.dataset.updates || 0) + 1);
        document.getElementById("updated").textContent = "live";
        draw();
      })
      .catch(function () {
        body.classList.add("stale");
        showStatus();
      })
      .finally(function () {
        clearTimeout(timer);
        setTimeout(poll, pollMs);
      });
  }

  setInterval(function () {
    if (data && data.tiles.length > PER_PAGE) { page += 1; draw(); }
  }, rotateMs);
  poll();
})();
