// The instructor's page: every 10 s, fetch the room as JSON and update the table in place (no page reload, so
// the instructor keeps their scroll position and a screen reader its place). Built with textContent only.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const url = $("instructor-room").dataset.url;
  const EVERY_MS = 10000;

  function node(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }
  function hidden(text) { return node("span", "visually-hidden", text); }

  function participantRow(row, steps) {
    const tr = node("tr");
    tr.dataset.username = row.username;
    const name = node("th", "", row.username);
    name.scope = "row";
    if (!row.active) name.append(" ", node("span", "tag", "suspended"));
    tr.append(name);
    for (const step of steps) {
      const done = row.done.includes(step.slug);
      const cell = node("td", done ? "mark-done" : "mark-todo", done ? "✓" : "·");
      cell.append(hidden(done ? " done" : " not yet"));
      tr.append(cell);
    }
    tr.append(node("td", "count", row.count + "/" + steps.length));
    const last = node("td");
    if (row.last) { const time = node("time", "", row.last.slice(11, 19)); time.dateTime = row.last; last.append(time); }
    else last.textContent = "—";
    tr.append(last);
    return tr;
  }

  function render(room) {
    const steps = room.steps;
    if (room.participants.length) $("instructor-rows").replaceChildren(...room.participants.map((row) => participantRow(row, steps)));
    for (const step of steps) {
      const cell = document.querySelector("#instructor-totals td[data-step='" + step.slug + "']");
      if (cell) cell.textContent = String(step.done_by);
    }
    $("instructor-count").textContent = String(room.participants.length);
    $("instructor-finished").textContent = String(room.finished);
    $("instructor-updated").textContent = "Updated at " + new Date().toLocaleTimeString() + ".";
  }

  async function refresh() {
    try {
      const response = await fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}});
      if (response.ok) render(await response.json());
      else $("instructor-updated").textContent = response.status === 403
        ? "Not updated: you are no longer signed in as staff. Log in again, then reload."
        : "Not updated: the server answered " + response.status + "; trying again in 10 s.";
    } catch (error) {
      $("instructor-updated").textContent = "Not updated: the server cannot be reached; trying again in 10 s.";
    }
  }
  setInterval(refresh, EVERY_MS);
})();
