// Staff pages without signal (docs/workspace.md, "Offline"). Registers the service worker
// (static/js/sw.js), asks it to keep this user's pages fresh, says so when a page is shown
// from the device, and sends the sessions queued on the device once the signal returns, from
// whichever staff page is open. Its words come from its script tag (templates/core/_offline.html),
// translated on the server: no user-facing text lives in this file.
(() => {
  "use strict";

  const texts = document.currentScript.dataset;
  const user = texts.user;
  const DRAFTS = "plut:drafts";
  const QUEUE = "plut:outbox";
  const read = (key) => JSON.parse(localStorage.getItem(key) || "{}");
  const write = (key, value) => localStorage.setItem(key, JSON.stringify(value));

  // ---- Notices at the top of the page -------------------------------------------------
  // Two lines: whether the page is shown from the device (#offline-notice), and what became
  // of the sessions queued on it (#outbox-status, where the session form has no status of its own).
  function notice(id) {
    let box = document.getElementById(id);
    if (!box) {
      box = document.createElement("p");
      box.id = id;
      box.className = "notice";
      box.setAttribute("role", "status");
      document.querySelector("main")?.prepend(box);
    }
    return box;
  }

  function say(text, links = [], id = "offline-notice") {
    const box = notice(id);
    box.replaceChildren(text);
    for (const { url, title } of links) {
      const link = document.createElement("a");
      link.href = url;
      link.textContent = title;
      box.append(" ", link);
    }
  }

  // ---- Talking to the worker ----------------------------------------------------------------
  // One question, one answer, over a channel of its own.
  async function ask(question) {
    if (!("serviceWorker" in navigator)) return null;
    const registration = await navigator.serviceWorker.ready;
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => resolve(event.data);
      registration.active.postMessage({ ...question, user }, [channel.port2]);
    });
  }

  // The pages kept for this user, and when this one was kept: asked once the signal is gone.
  let kept = null;
  let keptPages = [];
  async function showOffline() {
    const answer = await ask({ type: "kept", url: location.href });
    if (!answer) return say(texts.offline);
    keptPages = answer.pages;
    kept = new Set(answer.pages.map((page) => page.url));
    const head = answer.storedAt
      ? texts.since.replace("{time}", new Date(answer.storedAt).toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" }))
      : texts.offline;
    say(`${head} ${texts.kept}`, answer.pages.filter((page) => page.url !== location.pathname));
  }

  // ---- The outbox: sessions submitted without signal ----------------------------------------
  // Drafts and queued sessions belong to the user who wrote them: another user signing in on
  // the same phone neither sees nor sends them (a session is saved as its sender's).
  const mine = (key) => `${user}:${key}`;
  window.plutOffline = {
    draft: (key) => read(DRAFTS)[mine(key)],
    draftSave(key, draft) {
      const drafts = read(DRAFTS);
      drafts[mine(key)] = draft;
      write(DRAFTS, drafts);
    },
    draftForget(submissionKey) {
      const drafts = read(DRAFTS);
      for (const [key, draft] of Object.entries(drafts)) {
        if (draft.fields.submission_key === submissionKey) delete drafts[key];
      }
      write(DRAFTS, drafts);
    },
    queue(submissionKey, url, body) {
      const outbox = read(QUEUE);
      outbox[submissionKey] = { user, url, body };
      write(QUEUE, outbox);
    },
    pending: () => Object.values(read(QUEUE)).some((item) => item.user === user),
  };

  // The session form shows the outcome next to its button (static/js/session_form.js) and
  // cancels the event; any other page says it at the top.
  function tell(state, url) {
    const told = document.dispatchEvent(
      new CustomEvent("plut:outbox", { detail: { state, url }, cancelable: true }),
    );
    if (told) say(texts[state], url ? [{ url, title: texts.view }] : [], "outbox-status");
  }

  // One flush at a time: the "online" event and the page load can fire together, and two
  // overlapping flushes would post the same queued form twice (the server would keep one).
  let flushing = null;
  function flush() {
    if (!flushing) flushing = send().finally(() => { flushing = null; });
    return flushing;
  }

  async function send() {
    if (!navigator.onLine) return;
    for (const [key, item] of Object.entries(read(QUEUE))) {
      if (item.user !== user) continue;
      // The token the form was cached with may be older than the browser's: this page's is
      // the one the server accepts now.
      const body = new URLSearchParams(item.body);
      body.delete("csrfmiddlewaretoken");
      let response;
      try {
        response = await fetch(item.url, {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": texts.csrf },
        });
      } catch (error) {
        return; // still no signal: the next "online" event or page tries again
      }
      const landed = new URL(response.url);
      const saved = response.redirected && landed.pathname !== texts.login;
      // The server sends a saved session's page; the form again when it refuses the session
      // (it stays a draft to correct). A signed-out user, a stale token or a server error
      // leave it queued.
      if (!saved && !(response.ok && !response.redirected)) continue;
      const outbox = read(QUEUE);
      delete outbox[key];
      write(QUEUE, outbox);
      if (saved) {
        window.plutOffline.draftForget(key);
        tell("synced", landed.pathname);
      } else {
        tell("refused");
      }
    }
  }

  // ---- Searches and links without signal ------------------------------------------------------
  // A search needs the server: say so instead of leaving earlier results on the screen. The
  // recent clients the phone holds are offered instead (the session form picks them).
  function searchOffline(event) {
    if (event.detail.requestConfig?.verb !== "get") return;
    event.preventDefault?.();
    const line = document.createElement("p");
    line.className = "notice";
    line.setAttribute("role", "status");
    line.textContent = texts.search;
    const picks = document.createElement("ul");
    picks.className = "picker-results";
    for (const { pick, id, title } of keptPages.filter((page) => page.pick)) {
      const button = document.createElement("button");
      Object.assign(button, { type: "button", className: "link", textContent: `${texts.add}: ${title}` });
      Object.assign(button.dataset, { pick, id, label: title });
      const item = document.createElement("li");
      item.append(button);
      picks.append(item);
    }
    event.detail.target.replaceChildren(line, ...(picks.childElementCount ? [picks] : []));
  }
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (!navigator.onLine) searchOffline(event);
  });
  document.addEventListener("htmx:sendError", searchOffline);
  document.addEventListener("submit", (event) => {
    if (navigator.onLine || event.target.method !== "get") return;
    event.preventDefault();
    say(texts.search);
  });
  // A link to a page the phone does not hold would end on the browser's own error page.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (navigator.onLine || !kept || !link || link.origin !== location.origin) return;
    if (kept.has(link.pathname) && !link.search) return;
    event.preventDefault();
    say(texts.notKept);
  });

  // ---- Wiring ---------------------------------------------------------------------------------
  // Online, the queued sessions go first (they are what the user waits for), then the worker
  // refreshes the kept pages, which then hold the clients of the sessions just sent.
  const keepPages = () => navigator.onLine && ask({ type: "refresh" });
  document.addEventListener("DOMContentLoaded", () => {
    if (window.plutOffline.pending()) tell("queued");
    if (!navigator.onLine) showOffline();
    flush().then(keepPages);
  });
  window.addEventListener("online", () => {
    document.getElementById("offline-notice")?.remove();
    flush();
  });
  window.addEventListener("offline", showOffline);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(texts.worker);
})();
