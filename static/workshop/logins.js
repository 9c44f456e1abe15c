// The JWT door's logins page: log in, list the account's live logins, end one. The access token lives in
// `access` only (never in storage); every row is built with textContent, so nothing from the API is HTML.
"use strict";
(function () {
  let access = null;
  const $ = (id) => document.getElementById(id);
  const state = (text) => { $("lg-state").textContent = text; };

  async function api(method, path) {
    const response = await fetch(path, { method, headers: { Authorization: `Bearer ${access}` } });
    if (response.status === 401) { access = null; state("Signed out: this login has ended."); $("lg-reload").disabled = true; }
    return response;
  }

  function cell(row, text) { const td = document.createElement("td"); td.textContent = text; row.appendChild(td); return td; }
  function when(iso) { return iso ? iso.replace("T", " ").slice(0, 19) : "—"; }

  async function load() {
    const response = await api("GET", "/jwt/api/logins/");
    const rows = $("lg-rows");
    rows.replaceChildren();
    if (!response.ok) { const tr = document.createElement("tr"); cell(tr, `Could not list logins (${response.status}).`).colSpan = 6; rows.appendChild(tr); return; }
    for (const login of await response.json()) {
      const tr = document.createElement("tr");
      tr.dataset.login = login.id;
      cell(tr, login.device + (login.current ? " · this page" : ""));
      cell(tr, login.kind === "session" ? "session" : `token login (${login.door})`);
      cell(tr, login.ip || "—");
      cell(tr, when(login.created));
      cell(tr, when(login.last_seen));
      const button = document.createElement("button");
      button.type = "button";
      button.className = login.current ? "secondary" : "danger";
      button.textContent = login.current ? "Log out here" : "End";
      button.addEventListener("click", async () => {
        const ended = await api("DELETE", `/jwt/api/logins/${encodeURIComponent(login.id)}/`);
        if (ended.status === 204 && login.current) { access = null; state("Signed out: you ended this page's login."); $("lg-reload").disabled = true; rows.replaceChildren(); return; }
        state(ended.status === 204 ? "That login has ended." : `Not ended (${ended.status}).`);
        if (access) await load();
      });
      cell(tr, "").appendChild(button);
      rows.appendChild(tr);
    }
  }

  $("lg-login").addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch("/jwt/token/", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: $("lg-username").value, password: $("lg-password").value }),
    });
    $("lg-password").value = "";
    if (!response.ok) { state(`Login refused (${response.status}).`); return; }
    access = (await response.json()).access;  // the refresh token is not kept: this page needs none
    state(`Signed in as ${$("lg-username").value}.`);
    $("lg-reload").disabled = false;
    await load();
  });
  $("lg-reload").addEventListener("click", load);
})();
