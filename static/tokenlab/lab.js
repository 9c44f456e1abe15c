// The guided lab: each step runs real requests on both doors and shows what the server measured for each.
// Tokens live in this closure only (never localStorage, except in the step that shows why not to).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("lab-config").textContent);
  const $ = (id) => document.getElementById(id);
  const state = {
    username: "",
    session: {state: "none", since: null, note: ""},
    access: null, refresh: null, accessExp: 0,
    jwt: {state: "none", since: null, note: ""},
    refreshState: {state: "none", since: null, note: ""},
    serviceB: null, serviceBState: {state: "none", since: null, note: ""},
    hybridAccess: null,
    done: new Set(), pending: new Set(), sides: {},
  };

  // ---- helpers ----------------------------------------------------------------------------------------------
  function csrf() { return (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || ""; }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => { if (k === "class") node.className = v; else node.setAttribute(k, v); });
    children.flat().forEach((c) => node.append(c instanceof Node ? c : document.createTextNode(String(c))));
    return node;
  }
  function b64json(segment) {
    const s = segment.replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(s.padEnd(Math.ceil(s.length / 4) * 4, "=")));
  }
  function ago(t) {
    if (!t) return "";
    const s = Math.max(0, Math.round((Date.now() - t) / 1000));
    return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
  }
  function clock(seconds) {
    const s = Math.max(0, Math.round(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  const bytes = (n) => n + " B";

  // One request, measured: the server fills X-Lab-Measure for this very request; the page adds the round trip.
  async function call(method, url, {bearer, body, form, headers = {}, csrfHeader = false} = {}) {
    const h = Object.assign({"X-Lab-Measure": "1"}, headers);
    if (bearer) h["Authorization"] = "Bearer " + bearer;
    if (csrfHeader) h["X-CSRFToken"] = csrf();
    let payload;
    if (body !== undefined) { h["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
    if (form) { h["Content-Type"] = "application/x-www-form-urlencoded"; payload = new URLSearchParams(form).toString(); }
    const started = performance.now();
    const r = await fetch(url, {method, headers: h, body: payload, credentials: "same-origin"});
    const text = await r.text();
    const rtt = performance.now() - started;
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    let m = null;
    try { m = JSON.parse(r.headers.get("X-Lab-Measure") || "null"); } catch (e) { m = null; }
    return {status: r.status, ok: r.ok, json, text, url: r.url, redirected: r.redirected, m, rtt, method, path: url,
      finished: Date.now()};
  }

  function chips(res) {
    const m = res.m;
    const box = el("div", {class: "chips"});
    if (!m) { box.append(el("span", {class: "chip"}, "round trip " + Math.round(res.rtt) + " ms")); return box; }
    const db = el("span", {class: "chip db", title: m.tables.join(", ") || "no query"}, "DB " + m.db);
    const redis = el("span", {class: "chip redis", title: m.commands.join(", ") || "no command"},
      !m.redis_enabled ? "Redis off" : "Redis " + m.redis + (m.redis_round_trips !== m.redis ? " (" + m.redis_round_trips + " trips)" : ""));
    if (!m.redis_enabled) redis.classList.add("off");
    box.append(
      el("span", {class: "chip cred", title: "the credential this request carried"},
        m.credential === "none" ? "no credential" : m.credential + " " + bytes(m.credential_bytes)),
      el("span", {class: "chip"}, "request " + bytes(m.request_bytes)),
      el("span", {class: "chip"}, "response " + bytes(m.response_bytes)),
      db, redis,
      el("span", {class: "chip"}, m.ms.toFixed(1) + " ms on the server"),
    );
    if (m.tables.length) box.append(el("span", {class: "chip-note"}, "queries: " + m.tables.join(", ")));
    if (m.commands.length) box.append(el("span", {class: "chip-note"}, "Redis: " + m.commands.join(" ")));
    return box;
  }

  // The credential's size as the server measured it; without the live numbers (LAB_MEASURE off), what the page
  // can tell on its own.
  function credentialBytes(res, otherwise) { return res.m ? String(res.m.credential_bytes) : otherwise; }
  function statusClass(status) { return status >= 200 && status < 300 ? "ok" : "bad"; }
  function summary(res) {
    if (res.json && typeof res.json === "object") {
      if (res.json.username) return "you are " + res.json.username;
      if (res.json.detail) return res.json.detail + (res.json.code ? " (" + res.json.code + ")" : "");
    }
    return "";
  }
  // A line for one measured request: METHOD path → status, the server's numbers, and a note.
  function line(res, note) {
    const data = {class: "call", "data-status": res.status, "data-path": res.path};
    if (res.m) Object.assign(data, {"data-db": res.m.db, "data-redis": res.m.redis, "data-tables": res.m.tables.join(" "),
      "data-credential-bytes": res.m.credential_bytes, "data-request-bytes": res.m.request_bytes,
      "data-response-bytes": res.m.response_bytes, "data-ms": res.m.ms});
    return el("div", data,
      el("div", {class: "call-head"}, el("code", {}, res.method + " " + res.path), " → ",
        res.redirected ? el("span", {class: "muted"}, "302, then GET " + new URL(res.url).pathname + " → ") : "",
        el("strong", {class: statusClass(res.status)}, String(res.status)), " ", el("span", {class: "muted"}, summary(res))),
      chips(res), note ? el("p", {class: "call-note"}, note) : "");
  }
  function show(box, ...nodes) { box.replaceChildren(...nodes.filter(Boolean)); }
  function say(text, cls) { return el("p", {class: "say " + (cls || "")}, text); }

  // ---- credentials status strip -----------------------------------------------------------------------------
  function setCred(which, newState, note) {
    const s = which === "session" ? state.session : which === "access" ? state.jwt : which === "refresh" ? state.refreshState : state.serviceBState;
    if (s.state !== newState || note) { s.since = Date.now(); s.note = note || ""; }
    s.state = newState;
    renderStrip();
  }
  function renderStrip() {
    const parts = [["session", state.session, "cred-session"], ["access", state.jwt, "cred-access"],
      ["refresh", state.refreshState, "cred-refresh"], ["serviceb", state.serviceBState, "cred-serviceb"]];
    for (const [kind, s, id] of parts) {
      const node = $(id);
      node.dataset.state = s.state;
      let text = s.state === "none" ? "none" : s.state + " · " + ago(s.since) + (s.note ? " since " + s.note : "");
      if (kind === "access" && s.state === "live" && state.accessExp) text += " · exp in " + clock(state.accessExp - Date.now() / 1000);
      if (kind === "serviceb" && state.serviceB && s.state !== "none") text += " · exp in " + clock(state.serviceB.exp - Date.now() / 1000);
      node.querySelector("i").textContent = text;
    }
    $("lab-done-count").textContent = state.done.size;
  }
  setInterval(renderStrip, 1000);

  function needJwt(box) {
    if (state.access && state.jwt.state === "live") return true;
    show(box, say("You hold no live JWT: log in at the top of the page (the form logs in through both doors).", "warn"));
    return false;
  }
  function needSession(box) {
    if (state.session.state === "live") return true;
    show(box, say("You hold no live session: log in at the top of the page.", "warn"));
    return false;
  }
  function setTokens(access, refresh) {
    state.access = access; state.refresh = refresh || state.refresh;
    try { state.accessExp = b64json(access.split(".")[1]).exp; } catch (e) { state.accessExp = 0; }
    setCred("access", "live", "login"); if (refresh) setCred("refresh", "live", "login");
  }
  // Why did a session end? The login page says so (it reads the revocation store); show its words here too.
  async function sessionEndReason() {
    try {
      const r = await fetch("/session/login/", {credentials: "same-origin"});
      const doc = new DOMParser().parseFromString(await r.text(), "text/html");
      const reason = doc.getElementById("logout-reason");
      return reason ? reason.textContent.replace(/\s+/g, " ").trim() : "";
    } catch (e) { return ""; }
  }
  async function probeSession(box, note) {
    const res = await call("GET", "/session/api/profile/");
    if (res.status === 200) {
      setCred("session", "live", "");
      if (!state.username && res.json && res.json.username) { state.username = res.json.username; $("lab-username").value = state.username; }
    }
    else if (state.session.state === "live") setCred("session", "dead", note || "");
    return res;
  }
  async function probeJwt(note) {
    if (!state.access) return null;
    const res = await call("GET", "/jwt/api/profile/", {bearer: state.access});
    if (res.status === 401 && state.jwt.state === "live") { setCred("access", "dead", note || ""); }
    return res;
  }

  // ---- progress: kept on the server (either door identifies the participant), queued while neither is live ----
  async function sendProgress(step) {
    let res = null;
    if (state.access && state.jwt.state === "live") res = await call("POST", "/workshop/lab/progress/", {bearer: state.access, body: {step}});
    else if (state.session.state === "live") res = await call("POST", "/workshop/lab/progress/", {body: {step}, csrfHeader: true});
    if (res && (res.status === 200 || res.status === 201)) state.pending.delete(step); else state.pending.add(step);
  }
  async function flushProgress() { for (const step of [...state.pending]) await sendProgress(step); }
  function markSide(step, door) {
    const sides = state.sides[step] || (state.sides[step] = new Set());
    sides.add(door);
    if (sides.has("session") && sides.has("jwt")) markDone(step, true);
  }
  function markDone(step, send) {
    const card = $("step-" + step);
    if (!card) return;
    card.classList.add("done");
    card.querySelector(".done-mark").hidden = false;
    if (!state.done.has(step)) { state.done.add(step); if (send) sendProgress(step); }
    renderStrip();
  }
  async function loadProgress() {
    const res = await call("GET", "/workshop/lab/progress/", state.access ? {bearer: state.access} : {});
    if (res.status === 200) res.json.done.forEach((step) => markDone(step, false));
  }

  // ---- login (both doors) -----------------------------------------------------------------------------------
  async function sessionLogin(username, password) {
    const res = await call("POST", "/session/login/", {form: {username, password, next: "/session/"}, csrfHeader: true});
    if (res.status === 429) return {ok: false, message: "Too many failed attempts: wait a minute, then try again."};
    if (res.status === 200 && new URL(res.url).pathname === "/session/") { setCred("session", "live", "login"); return {ok: true}; }
    return {ok: false, message: "Wrong username or password."};
  }
  async function jwtLogin(username, password) {
    const res = await call("POST", "/jwt/token/", {body: {username, password}});
    if (res.status === 200) { setTokens(res.json.access, res.json.refresh); return {ok: true}; }
    if (res.status === 429) return {ok: false, message: "Too many failed attempts: wait a minute, then try again."};
    return {ok: false, message: "Wrong username or password."};
  }
  $("lab-login").addEventListener("submit", async (e) => {
    e.preventDefault();
    const username = $("lab-username").value.trim(), password = $("lab-password").value;
    const error = $("lab-login-error");
    error.hidden = true;
    $("lab-login-button").disabled = true;
    try {
      const needSessionLogin = state.session.state !== "live" || state.username !== username;
      const needJwtLogin = state.jwt.state !== "live" || state.username !== username;
      const [s, j] = await Promise.all([
        needSessionLogin ? sessionLogin(username, password) : {ok: true},
        needJwtLogin ? jwtLogin(username, password) : {ok: true},
      ]);
      if (!s.ok || !j.ok) {
        error.textContent = (s.ok ? j.message : s.message) + " Check the account your instructor gave you.";
        error.hidden = false;
        return;
      }
      state.username = username;
      $("lab-password").value = "";
      $("lab-login-state").textContent = "Signed in as " + username + " on both doors. Work through the steps below, in order.";
      await flushProgress();
      await loadProgress();
    } finally { $("lab-login-button").disabled = false; }
  });

  // ---- the two door panels ----------------------------------------------------------------------------------
  async function sessionLogout(box) {
    if (!needSession(box)) return;
    const res = await call("POST", "/session/logout/", {csrfHeader: true});
    setCred("session", "dead", "log out");
    const after = await call("GET", "/session/api/profile/");
    const jwt = await probeJwt();
    show(box, line(res, "This browser's session row was deleted."), line(after, "The same cookie, one request later: refused."),
      jwt ? line(jwt, jwt.status === 200 ? "Your JWT was not touched: it still works." : "Your JWT was already dead.") : "");
    return {res, after};
  }
  async function sessionEverywhere(box) {
    if (!needSession(box)) return;
    const started = Date.now();
    const res = await call("POST", "/session/logout-everywhere/", {csrfHeader: true});
    const after = await call("GET", "/session/api/profile/");
    setCred("session", "dead", "log out everywhere");
    const jwt = await probeJwt("log out everywhere (session door)");
    if (state.refresh) setCred("refresh", "dead", "log out everywhere (session door)");
    const reason = await sessionEndReason();
    show(box, line(res, "Every session and every token of yours ended."),
      line(after, "Revocation delay: 0 requests — the very next request was refused, " + (after.finished - started) + " ms after the action."),
      jwt ? line(jwt, "Your JWT, one request later: " + (jwt.status === 401 ? "refused too." : "still accepted.")) : "",
      reason ? say("The login page now says: " + reason) : "");
    return {res, after, jwt};
  }
  async function jwtLogout(box) {
    if (!needJwt(box)) return;
    const started = Date.now();
    const res = await call("POST", "/jwt/logout/", {bearer: state.access, body: {refresh: state.refresh}});
    const after = await call("GET", "/jwt/api/profile/", {bearer: state.access});
    setCred("access", "dead", "log out"); setCred("refresh", "dead", "log out");
    const session = await probeSession(box);
    show(box, line(res, "This login's tokens (its refresh family) were revoked."),
      line(after, "Revocation delay: 0 requests — the very next request was refused, " + (after.finished - started) + " ms after the action."),
      line(session, session.status === 200 ? "Your session was not touched: it still works." : "Your session was already dead."));
    return {res, after};
  }
  async function jwtEverywhere(box) {
    if (!needJwt(box)) return;
    const started = Date.now();
    const res = await call("POST", "/jwt/logout-all/", {bearer: state.access});
    const after = await call("GET", "/jwt/api/profile/", {bearer: state.access});
    setCred("access", "dead", "log out everywhere"); setCred("refresh", "dead", "log out everywhere");
    const session = await probeSession(box, "log out everywhere (JWT door)");
    const reason = await sessionEndReason();
    show(box, line(res, "Every token and every session of yours ended."),
      line(after, "Revocation delay: 0 requests — the very next request was refused, " + (after.finished - started) + " ms after the action."),
      line(session, "Your session cookie, one request later: " + (session.status === 200 ? "still accepted." : "refused too.")),
      reason ? say("The login page now says: " + reason) : "");
    return {res, after, session};
  }
  const panels = {
    "session-call": async () => { const box = $("panel-session-result"); const r = await probeSession(box); show(box, line(r)); },
    "jwt-call": async () => { const box = $("panel-jwt-result"); if (!needJwt(box)) return; const r = await probeJwt(); show(box, line(r)); },
    "session-logout": () => sessionLogout($("panel-session-result")),
    "session-everywhere": () => sessionEverywhere($("panel-session-result")),
    "jwt-logout": () => jwtLogout($("panel-jwt-result")),
    "jwt-everywhere": () => jwtEverywhere($("panel-jwt-result")),
  };
  document.querySelectorAll("[data-panel]").forEach((b) => b.addEventListener("click", () => panels[b.dataset.panel]()));

  // The form's id is not "lab-password": that is the login form's password field, and ids are unique.
  $("lab-password-form").addEventListener("submit", async (e) => {
    e.preventDefault();  // the page holds the token pair in memory: a reload would drop it
    const box = $("panel-password-result");
    const old = $("lab-old-password").value, neu = $("lab-new-password").value, door = $("lab-password-door").value;
    $("lab-password-button").disabled = true;
    try { await passwordChange(box, old, neu, door); } finally { $("lab-password-button").disabled = false; }
  });
  async function passwordChange(box, old, neu, door) {
    let res;
    if (door === "jwt") {
      if (!needJwt(box)) return;
      res = await call("POST", "/jwt/password/", {bearer: state.access, body: {old_password: old, new_password: neu}});
      if (res.status === 200) setTokens(res.json.access, res.json.refresh);
    } else {
      if (!needSession(box)) return;
      res = await call("POST", "/session/password/", {form: {old_password: old, new_password1: neu, new_password2: neu}, csrfHeader: true});
      const changed = res.status === 200 && new URL(res.url).pathname === "/session/";
      if (!changed) {
        const doc = new DOMParser().parseFromString(res.text, "text/html");
        const errors = [...doc.querySelectorAll(".errorlist li, .errors li")].map((li) => li.textContent).join(" ");
        show(box, line(res, errors || "The password was not changed.")); return;
      }
    }
    if (res.status >= 400) { show(box, line(res, "The password was not changed.")); return; }
    $("lab-old-password").value = ""; $("lab-new-password").value = "";
    // The door that changed the password keeps a fresh credential; the other door's credential ended with it.
    const other = door === "jwt" ? await probeSession(box, "password change") : await probeJwt("password change");
    if (door === "session" && state.refresh) setCred("refresh", "dead", "password change");
    show(box, line(res, "Password changed through the " + door + " door; that door gave you a fresh credential."),
      other ? line(other, "Your " + (door === "jwt" ? "session" : "JWT") + ", one request later: " + (other.ok ? "still accepted." : "refused.")) : "",
      say("Remember the new password: you log in with it from now on."));
  }

  // ---- steps ------------------------------------------------------------------------------------------------
  function boxOf(step, door) { return document.querySelector("#step-" + step + " .result[data-door=" + door + "]"); }

  async function serviceBToken(box) {
    const res = await call("POST", "/workshop/lab/service-b-token/", {bearer: state.access});
    if (res.status !== 200) { show(box, line(res, "Token Lab would not hand out a copy: log in again.")); return null; }
    const exp = b64json(res.json.token.split(".")[1]).exp;
    state.serviceB = Object.assign({exp}, res.json);
    setCred("serviceb", "live", "copy made");
    return res;
  }
  function tokenLabCall() { return call("GET", state.serviceB.token_lab_url, {bearer: state.serviceB.token}); }
  function serviceBCall(token) { return call("GET", "/workshop/service-b/whoami", {bearer: token}); }
  function serviceBNote() {
    return state.serviceB.same_token
      ? "Service B verified your own " + state.serviceB.algorithm + " token with Token Lab's published keys."
      : "Token Lab signs with HS256, whose key cannot be published, so service B got a copy of your token signed with the lab's " +
        state.serviceB.algorithm + " key: the same jti, login, user and exp. Its public key is all service B holds (/workshop/service-b/jwks.json).";
  }

  const STEPS = {
    credentials: {
      session: [["Call the profile", async (box) => {
        const r = await probeSession(box);
        show(box, line(r, r.ok ? "Your browser sent " + credentialBytes(r, "a few dozen") + " bytes of cookie: a random id. The server looked its row up." : "No live session."));
        return r.ok;
      }]],
      jwt: [["Call the profile", async (box) => {
        if (!needJwt(box)) return false;
        const r = await probeJwt();
        const [h, p] = state.access.split(".");
        show(box, line(r, "The token carries its data, readable by anyone who holds it; Token Lab checked its signature in memory:"),
          el("pre", {class: "claims"}, "header  " + JSON.stringify(b64json(h)) + "\npayload " + JSON.stringify(b64json(p), null, 1).replace(/\n\s*/g, " ")));
        return r.ok;
      }]],
    },
    "session-revocation": {
      session: [["Log out everywhere", async (box) => { const out = await sessionEverywhere(box); return !!(out && out.after.status === 403); }]],
      jwt: [["Call again with the same token", async (box) => {
        if (!state.access) { show(box, say("Log in first.", "warn")); return false; }
        const r = await call("GET", "/jwt/api/profile/", {bearer: state.access});
        if (r.status === 401) setCred("access", "dead", state.jwt.note || "revoked");
        show(box, line(r, r.status === 401 ? "Refused: log out everywhere ended your JWTs too, at the next request (revocation delay: 0 requests)." : "Still accepted: run log out everywhere first (session side)."),
          r.status === 401 ? say("Log in again at the top of the page to continue.") : "");
        return r.status === 401;
      }]],
    },
    denylist: {
      session: [["Log out and call again", async (box) => { const out = await sessionLogout(box); return !!(out && out.after.status === 403); }]],
      jwt: [["Log out, then ask Token Lab and service B", async (box) => {
        if (!needJwt(box)) return false;
        if (!(await serviceBToken(box))) return false;
        const before = [await tokenLabCall(), await serviceBCall(state.serviceB.token)];
        const started = Date.now();
        const logout = await call("POST", "/jwt/logout/", {bearer: state.access, body: {refresh: state.refresh}});
        setCred("access", "dead", "log out"); setCred("refresh", "dead", "log out");
        const lab = await tokenLabCall();
        const b = await serviceBCall(state.serviceB.token);
        if (lab.status === 401) setCred("serviceb", "live", "log out (service B cannot know)");
        const left = state.serviceB.exp - Date.now() / 1000;
        show(box, say(serviceBNote(), "muted"),
          el("div", {class: "versus"}, el("h4", {}, "Before log out"), line(before[0], "Token Lab"), line(before[1], "Service B")),
          line(logout, "Logged out: the login's tokens are in the denylist."),
          el("div", {class: "versus"}, el("h4", {}, "After log out — the same token"),
            line(lab, "Token Lab (denylist): " + (lab.status === 401 ? "refused at the next request (revocation delay: 0 requests), " + (lab.finished - started) + " ms after the logout." : "accepted.")),
            line(b, "Service B (no denylist): " + (b.status === 200 ? "still accepted, and will be until exp — " + clock(left) + " from now." : "refused."))),
          say("Log in again at the top of the page to continue."));
        return lab.status === 401 && b.status === 200;
      }]],
    },
    "payload-size": {
      session: [["Measure a request", async (box) => {
        const r = await probeSession(box);
        show(box, line(r, r.ok ? "Cookie: " + credentialBytes(r, "about 42") + " bytes (name, '=', a 32-character random id)" + (r.m ? ", whole request " + r.m.request_bytes + " bytes." : ".") : "No live session: log in again."));
        return r.ok;
      }]],
      jwt: [["Measure a request and sign the same claims four ways", async (box) => {
        if (!needJwt(box)) return false;
        const r = await probeJwt();
        const s = await call("POST", "/workshop/lab/token-sizes/", {bearer: state.access});
        if (s.status !== 200) { show(box, line(s)); return false; }
        const table = el("table", {class: "sizes"}, el("thead", {}, el("tr", {}, ...["algorithm", "token", "header", "payload", "signature"].map((t) => el("th", {}, t)))),
          el("tbody", {}, ...s.json.algorithms.map((a) => el("tr", {class: a.algorithm === config.algorithm ? "current" : ""},
            el("td", {}, a.algorithm + (a.algorithm === config.algorithm ? " (this server)" : "")), el("td", {}, bytes(a.bytes)),
            el("td", {}, bytes(a.header)), el("td", {}, bytes(a.payload)), el("td", {}, bytes(a.signature))))));
        show(box, line(r, "Authorization header: " + credentialBytes(r, String(("Bearer " + state.access).length)) + " bytes on every request."), table,
          say("The payload is " + s.json.claims + " claims (" + s.json.claim_names.join(", ") + ") in " + s.json.payload_json_bytes +
            " bytes of JSON; base64url adds a third. Add a name, an email and roles, or an RS256 signature, and you reach the article's 500–1000 bytes.", "muted"));
        return true;
      }]],
    },
    microservices: {
      session: [["Send your session cookie to service B", async (box) => {
        const r = await serviceBCall(null);
        show(box, line(r, "Service B cannot use a session id: only Token Lab's database knows what it means. It would have to call Token Lab."));
        return r.status === 401;
      }]],
      jwt: [["Send your token to service B", async (box) => {
        if (!needJwt(box)) return false;
        if (!(await serviceBToken(box))) return false;
        const r = await serviceBCall(state.serviceB.token);
        const keys = await call("GET", "/workshop/service-b/jwks.json");
        show(box, line(r, r.status === 200 ? "Verified with " + keys.json.keys.length + " public key(s), no call to Token Lab: look at DB and Redis." : "Refused."),
          say(serviceBNote(), "muted"));
        return r.status === 200 && (!r.m || (r.m.db === 0 && r.m.redis === 0));
      }]],
    },
    refresh: {
      session: [["Call again (no refresh needed)", async (box) => {
        const r = await probeSession(box);
        show(box, line(r, "The same cookie works as long as its row lives; the server can end it at any time."));
        return r.ok;
      }]],
      jwt: [["Refresh, then replay the old refresh token", async (box) => {
        if (!needJwt(box)) return false;
        const old = state.refresh;
        const r = await call("POST", "/jwt/token/refresh/", {body: {refresh: old}});
        if (r.status !== 200) { show(box, line(r, "Refresh refused: log in again.")); return false; }
        setTokens(r.json.access, r.json.refresh);
        const replay = await call("POST", "/jwt/token/refresh/", {body: {refresh: old}});
        const after = await call("GET", "/jwt/api/profile/", {bearer: state.access});
        if (after.status === 401) { setCred("access", "dead", "refresh reuse"); setCred("refresh", "dead", "refresh reuse"); }
        show(box, line(r, "A new pair; the old refresh token is now dead. Refresh reads and writes rows: it is the stateful part."),
          line(replay, "Replaying the rotated token is reuse: Token Lab revokes the whole login."),
          line(after, "Even the brand-new access token is refused now: the family is gone."),
          say("Log in again at the top of the page to continue."));
        return replay.status === 401 && after.status === 401;
      }]],
    },
    "cross-origin": {
      session: [["Call with cookies from the other origin", (box) => crossOrigin(box, "session")]],
      jwt: [["Call with the Bearer token from the other origin", (box) => needJwt(box) && crossOrigin(box, "jwt")]],
    },
    hybrid: {
      session: [["Read document.cookie", async (box) => {
        const names = document.cookie.split(";").map((c) => c.trim().split("=")[0]).filter(Boolean);
        show(box, say("A script on this page sees the cookies: " + (names.join(", ") || "(none)") + ". No sessionid: it is HttpOnly."));
        return !names.includes("sessionid");
      }]],
      jwt: [["Hybrid login, then refresh by cookie", async (box) => {
        const password = box.parentElement.querySelector(".hybrid-password");
        if (!password.value) { show(box, say("Type your password in the field above first (the hybrid login is a login of its own).", "warn")); return false; }
        const login = await call("POST", "/jwt/hybrid/login/", {body: {username: state.username || $("lab-username").value, password: password.value}});
        password.value = "";
        if (login.status !== 200) { show(box, line(login, "Login refused.")); return false; }
        state.hybridAccess = login.json.access;
        const refresh = await call("POST", "/jwt/hybrid/refresh/", {csrfHeader: true});
        const names = document.cookie.split(";").map((c) => c.trim().split("=")[0]).filter(Boolean);
        show(box, line(login, "The body holds the access token only (" + login.json.access.length + " bytes, kept in a variable); the refresh token came as an HttpOnly cookie."),
          line(refresh, "Refreshed with the cookie this script cannot read; the cookie was rotated."),
          say("document.cookie here: " + (names.join(", ") || "(none)") + " — no refresh token, no session id."));
        return refresh.status === 200;
      }]],
      extra: (card) => {
        const actions = card.querySelector(".actions[data-door=jwt]");
        actions.before(el("div", {class: "row"}, el("label", {for: "hybrid-password", class: "inline"}, "Password"),
          el("input", {type: "password", id: "hybrid-password", class: "hybrid-password", autocomplete: "current-password"})));
      },
    },
    "local-storage": {
      session: [["Run the injected script", async (box) => {
        const stolen = document.cookie;
        show(box, say("The injected script read document.cookie: " + JSON.stringify(stolen) + ". The session id is not there, so it cannot be taken away (the script can still act while the page is open — XSS is bad either way)."));
        return !/sessionid=/.test(stolen);
      }]],
      jwt: [["Store the token in localStorage, run the injected script", async (box) => {
        if (!needJwt(box)) return false;
        localStorage.setItem("access_token", state.access);
        // The "attacker's" code: it knows nothing but where careless pages keep tokens.
        const loot = localStorage.getItem("access_token");
        localStorage.removeItem("access_token");
        const r = await call("GET", "/jwt/api/profile/", {bearer: loot});
        show(box, say("The injected script read " + loot.length + " bytes from localStorage and replayed them:", "warn"),
          line(r, r.ok ? "The thief is you now, from any machine, until the token expires or is revoked." : "Refused."));
        return r.ok;
      }]],
    },
    "long-expiry": {
      session: [["Log out your other devices", async (box) => {
        if (!needSession(box)) return false;
        const r = await call("POST", "/session/devices/revoke-others/", {csrfHeader: true});
        const doc = new DOMParser().parseFromString(r.text, "text/html");
        const message = doc.querySelector(".messages li");
        const ended = message ? parseInt(message.textContent, 10) : NaN;
        const me = await probeSession(box);
        const lifetime = config.sessionLifetime >= 86400 ? Math.round(config.sessionLifetime / 86400) + " days" : Math.round(config.sessionLifetime / 60) + " minutes";
        show(box, line(r, message ? message.textContent : "Your other sessions were ended."),
          ended === 0 ? say("You had no other session to end. To see one end, log in as " + (state.username || "yourself") +
            " in a private window, press this button again, and that window's next request is refused.", "muted") : "",
          line(me, "This session is untouched."),
          say("A session lives at most " + lifetime + " on this server (SESSION_COOKIE_AGE), and the server can end it sooner at any moment: " +
            "it is a row, and deleting the row kills the cookie at its next request. There is no session to steal for a month against the server's will."));
        return me.ok;
      }]],
      jwt: [["Make and inspect a 30-day copy of your token", async (box) => {
        if (!needJwt(box)) return false;
        const r = await call("POST", "/workshop/lab/long-lived-token/", {bearer: state.access});
        if (r.status !== 200) { show(box, line(r, "Token Lab would not make the copy: log in again.")); return false; }
        const copy = r.json, claims = b64json(copy.token.split(".")[1]);
        const ins = await call("POST", "/workshop/api/inspect/", {body: {token: copy.token}});
        const findings = (ins.json && ins.json.findings || []).map((f) => el("li", {class: f.severity}, f.title + ": " + f.explanation));
        const until = new Date(copy.expires_at).toLocaleString();
        show(box, line(r, "Your own token's claims, with exp set " + Math.round((claims.exp - claims.iat) / 86400) +
            " days after iat: what a careless issuer hands out. Same issuer (" + copy.issuer + ") and algorithm (" + copy.algorithm +
            ") as this server; signed with a throwaway key (kid " + copy.kid + "), so it opens nothing here."),
          line(ins, "What the inspector says about it:"), el("ul", {class: "findings"}, ...findings),
          say(copy.careless.accepted
            ? "A verifier that checks only the signature and exp, and keeps no denylist (service B's kind), accepts this token until " + until +
              ". If it is stolen, logging out or changing your password changes nothing there for a month."
            : "Even a careless verifier refused it: " + copy.careless.error, copy.careless.accepted ? "warn" : "muted"),
          say("Token Lab never issues such a token, and would refuse one even signed with its own key: its verifier refuses an access token " +
            "whose exp − iat exceeds the " + copy.tokenlab_policy_s + " s it issues, and asks its denylist on every request."));
        return copy.careless.accepted;
      }]],
    },
    "sensitive-data": {
      session: [["What does the cookie say?", async (box) => {
        const r = await probeSession(box);
        show(box, line(r, r.ok ? "The cookie is " + credentialBytes(r, "a few dozen") + " bytes of random id: it says nothing; the data stays on the server." : "No live session."));
        return r.ok;
      }]],
      jwt: [["Decode your token without a key", async (box) => {
        if (!needJwt(box)) return false;
        const ins = await call("POST", "/workshop/api/inspect/", {body: {token: state.access}});
        const payload = b64json(state.access.split(".")[1]);
        show(box, el("pre", {}, JSON.stringify(payload, null, 2)),
          line(ins, "Decoded with atob() and JSON.parse(): no key needed. Token Lab puts ids in it, never an email or a role."));
        return ins.ok;
      }]],
    },
    algorithm: {
      session: [["Send a forged alg:none token to the session door", async (box) => {
        const s = await call("POST", "/workshop/api/mistakes/alg-none/");
        const forged = s.json.forged;
        const r = await call("GET", "/session/api/profile/", {bearer: forged});
        show(box, line(r, "A Bearer token that fails verification is refused even beside a valid session cookie."));
        return r.status === 401;
      }]],
      jwt: [["Craft alg:none and HS/RS confusion tokens", async (box) => {
        const rows = [];
        for (const name of ["alg-none", "hs-rs-confusion"]) {
          const r = await call("POST", "/workshop/api/mistakes/" + name + "/");
          if (r.status !== 200) { rows.push(line(r)); continue; }
          const v = (x) => x ? (x.accepted ? "ACCEPTED" : "refused") : "—";
          rows.push(line(r, r.json.title + ": naive verifier " + v(r.json.naive) + ", pinned verifier " + v(r.json.pinned) +
            ", Token Lab " + v(r.json.tokenlab) + ". " + r.json.change.replace(/\*/g, "")));
        }
        show(box, ...rows, say("The naive verifier is deliberately broken and wired to nothing; see the Mistakes lab for the details.", "muted"));
        return true;
      }]],
    },
    simpler: {
      session: [["Count the session door's parts", (box) => parts(box, "session")]],
      jwt: [["Count the JWT door's parts", (box) => parts(box, "jwt")]],
    },
  };

  async function parts(box, door) {
    const res = await call("GET", "/workshop/lab/moving-parts/", state.access && state.jwt.state === "live" ? {bearer: state.access} : {});
    if (res.status !== 200) { show(box, line(res, "Log in first.")); return false; }
    const p = res.json[door];
    show(box, el("ul", {class: "parts"},
      el("li", {}, el("strong", {}, String(p.endpoints)), " endpoints (", p.endpoint_list.join(", "), ")"),
      el("li", {}, el("strong", {}, String(p.stored_rows)), " stored rows for you: ", p.stored_kinds.join(", ")),
      el("li", {}, el("strong", {}, String(p.keys)), " keys: ", p.key_note),
      el("li", {}, el("strong", {}, String(p.checks.length)), " checks per request: ", p.checks.join("; "))));
    return true;
  }

  // The cross-origin step: a page on the twin origin (localhost ↔ 127.0.0.1, same server) makes the calls.
  // The frame says "ready" when its page runs; a host name that does not resolve gives the browser's error page
  // instead, which never does: the lab stops waiting and says why rather than hanging.
  const FRAME_WAIT_MS = 10000, AFTER_LOAD_MS = 1500, ANSWER_WAIT_MS = 10000;
  let frame = null, frameReady = null;
  function twinFrame() {
    if (frameReady) return frameReady;
    frame = el("iframe", {src: config.twinOrigin + "/workshop/lab/other-origin/", class: "twin-frame", title: "A page on " + config.twinOrigin});
    frameReady = new Promise((resolve, reject) => {
      let afterLoad = null;
      const finish = () => { clearTimeout(overall); clearTimeout(afterLoad); window.removeEventListener("message", onReady); };
      const onReady = (event) => {
        if (event.origin !== config.twinOrigin || !event.data || !event.data.ready) return;
        finish(); resolve();
      };
      const overall = setTimeout(() => { finish(); reject(new Error("no answer")); }, FRAME_WAIT_MS);
      window.addEventListener("message", onReady);
      frame.addEventListener("load", () => { afterLoad = setTimeout(() => { finish(); reject(new Error("error page")); }, AFTER_LOAD_MS); });
    });
    // A failed frame is dropped: the next press tries again (the instructor may have fixed the name meanwhile).
    frameReady.catch(() => { frame.remove(); frame = null; frameReady = null; });
    document.querySelector("#step-cross-origin .lesson").before(frame);
    return frameReady;
  }
  function unreachable() {
    const host = new URL(config.twinOrigin).hostname;
    return el("div", {class: "say warn twin-unreachable"},
      el("p", {}, "Your browser could not load the page on " + config.twinOrigin + ", this server's second origin: " +
        "the name " + host + " does not lead to this server from your machine (it does not resolve, or something on the way blocks it)."),
      el("p", {}, "Check by opening ", el("a", {href: config.twinOrigin + "/", target: "_blank", rel: "noopener"}, config.twinOrigin + "/"),
        " in a new tab. On your own laptop, use the lab at http://localhost:8000 or http://127.0.0.1:8000, each the other's second origin. " +
        "In a room, the instructor sets LAB_TWIN_HOSTS to two names of the server that every participant's machine resolves (see the README)."));
  }
  async function crossOrigin(box, door) {
    if (!config.twinOrigin) {
      show(box, say("This page is not on localhost or 127.0.0.1, so there is no second origin on this server. On a deployment, list the other origin in CORS_ALLOWED_ORIGINS (see the README).", "warn"));
      return false;
    }
    show(box, say("Loading the page on " + config.twinOrigin + "…", "muted"));
    try { await twinFrame(); } catch (err) { show(box, unreachable()); return false; }
    const d = await new Promise((resolve) => {
      const onMessage = (event) => {
        if (event.origin !== config.twinOrigin || !event.data || event.data.door !== door) return;
        clearTimeout(timer); window.removeEventListener("message", onMessage);
        resolve(event.data);
      };
      const timer = setTimeout(() => { window.removeEventListener("message", onMessage); resolve(null); }, ANSWER_WAIT_MS);
      window.addEventListener("message", onMessage);
      frame.contentWindow.postMessage({door, access: door === "jwt" ? state.access : null}, config.twinOrigin);
    });
    if (!d) {
      show(box, say("The page on " + config.twinOrigin + " did not answer within " + ANSWER_WAIT_MS / 1000 + " s. Press the button again to retry.", "warn"));
      return false;
    }
    show(box, el("div", {class: "call"}, el("div", {class: "call-head"}, el("code", {}, "page on " + config.twinOrigin + " → " + d.path), " → ",
        el("strong", {class: d.ok ? "ok" : "bad"}, d.status)), el("div", {class: "chips"}, el("span", {class: "chip"}, "round trip " + d.ms + " ms"))),
      say(d.note));
    return door === "jwt" ? d.ok : !d.ok;
  }

  // Build each step's buttons; a button's run returns true when its side of the step is done.
  document.querySelectorAll(".step").forEach((card) => {
    const spec = STEPS[card.dataset.step];
    if (!spec) return;
    if (spec.extra) spec.extra(card);
    for (const door of ["session", "jwt"]) {
      const actions = card.querySelector(".actions[data-door=" + door + "]");
      const box = card.querySelector(".result[data-door=" + door + "]");
      for (const [label, run] of spec[door]) {
        const button = el("button", {type: "button", class: door === "session" ? "session" : "jwt"}, label);
        button.addEventListener("click", async () => {
          button.disabled = true;
          try { if (await run(box)) markSide(card.dataset.step, door); }
          catch (err) { show(box, say("Something went wrong in the page: " + err, "warn")); }
          finally { button.disabled = false; }
        });
        actions.append(button);
      }
    }
  });

  // A link to a folded section (the article's claims) unfolds it.
  function unfoldTarget() {
    const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === "DETAILS") target.open = true;
  }
  window.addEventListener("hashchange", unfoldTarget);
  unfoldTarget();

  // A session cookie may already be live (logged in on /session/login/ earlier): say so in the strip.
  probeSession(null).then(() => { if (state.session.state === "live") loadProgress(); });
  renderStrip();
})();
