// The session form on a phone in the field: pick clients, register one inline, and never lose
// a half-filled form when the signal drops. Drafts live on the device; a form submitted while
// offline joins the device's outbox, which static/js/offline.js sends when the connection
// returns, from whichever staff page is open then (both are kept per user by offline.js). The
// form's submission key makes a re-sent form harmless: the server saves it once.
(() => {
  "use strict";

  const device = window.plutOffline;

  // The status line carries its own messages, translated on the server (data-* attributes):
  // no user-facing text lives in this file, so the message catalogue covers them all.
  const statusBox = () => document.getElementById("draft-status");
  const status = (id) => {
    const box = statusBox();
    if (box) box.textContent = box.dataset[id] || "";
  };
  // Once sent, the status leads to the saved session.
  const statusLink = (url) => {
    const link = document.createElement("a");
    link.href = url;
    link.textContent = statusBox().dataset.view;
    statusBox().append(" ", link);
  };

  // What became of the sessions in the outbox, said next to the submit button. Listened to
  // at once: offline.js may report before this page's DOMContentLoaded.
  document.addEventListener("plut:outbox", (event) => {
    if (!statusBox()) return;
    event.preventDefault();
    const { state, url } = event.detail;
    if (state === "queued") status("queued");
    else if (state === "synced") {
      status("synced");
      statusLink(url);
    }
    else status("refused");
  });

  // ---- Clients picked for the session --------------------------------------------------
  function addChip(form, kind, id, label) {
    const chosen = form.querySelector("#chosen");
    if (chosen.querySelector(`.chip[data-kind="${kind}"][data-id="${id}"]`)) return;
    const chip = form.querySelector("#chip-template").content.firstElementChild.cloneNode(true);
    chip.dataset.kind = kind;
    chip.dataset.id = id;
    chip.querySelector("span").textContent = label;
    const hidden = chip.querySelector('input[type="hidden"]');
    hidden.name = kind === "enterprise" ? "enterprises" : "cooperatives";
    hidden.value = id;
    const attendance = chip.querySelector(".attendance");
    if (kind === "enterprise") attendance.querySelector("input").value = id;
    else attendance.remove();
    chosen.appendChild(chip);
    saveDraft(form);
  }

  function chipsOf(form) {
    return [...form.querySelectorAll("#chosen .chip")].map((chip) => ({
      kind: chip.dataset.kind,
      id: chip.dataset.id,
      label: chip.querySelector("span").textContent,
      attended: chip.querySelector('input[name="attended"]')?.checked ?? true,
    }));
  }

  // ---- Drafts ---------------------------------------------------------------------------
  const draftKey = (form) => form.dataset.draft;
  const skipped = new Set(["csrfmiddlewaretoken", "q", "enterprises", "cooperatives", "attended"]);

  function fieldsOf(form) {
    const values = {};
    for (const el of form.elements) {
      if (!el.name || skipped.has(el.name) || el.name.startsWith("new-")) continue;
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) values[el.name] = el.value;
      } else {
        values[el.name] = el.value;
      }
    }
    return values;
  }

  function saveDraft(form) {
    device.draftSave(draftKey(form), { fields: fieldsOf(form), chips: chipsOf(form), saved: Date.now() });
    status("draftSaved");
  }

  // True when a draft filled the form.
  function restoreDraft(form) {
    const draft = device.draft(draftKey(form));
    // A form the server sent back with errors holds the newest truth; keep it.
    if (!draft || form.querySelector(".errors")) return false;
    for (const [name, value] of Object.entries(draft.fields)) {
      const els = form.querySelectorAll(`[name="${CSS.escape(name)}"]`);
      els.forEach((el) => {
        if (el.type === "radio" || el.type === "checkbox") el.checked = el.value === value;
        else el.value = value;
      });
    }
    for (const chip of draft.chips) {
      addChip(form, chip.kind, chip.id, chip.label);
      const box = form.querySelector(`.chip[data-id="${chip.id}"] input[name="attended"]`);
      if (box) box.checked = chip.attended;
    }
    status("draftRestored");
    return true;
  }

  // ---- The outbox: forms submitted while offline ------------------------------------------
  function queue(form) {
    const body = new URLSearchParams(new FormData(form)).toString();
    device.queue(form.elements.submission_key.value, form.action || location.href, body);
    status("queued");
  }

  // ---- Wiring ------------------------------------------------------------------------------
  function setUp(form) {
    // A new form gets a key of its own unless a draft or the server's errors bring one: a
    // page the service worker shows without signal carries the key it was stored with, which
    // a session already sent may hold, and the server would take a second one for a repeat.
    const fresh = !restoreDraft(form) && !form.querySelector(".errors");
    if (fresh && form.dataset.draft.startsWith("session-new")) {
      form.elements.submission_key.value = crypto.randomUUID();
    }
    form.addEventListener("input", () => saveDraft(form));
    form.addEventListener("change", () => saveDraft(form));
    form.addEventListener("click", (event) => {
      const pick = event.target.closest("[data-pick]");
      if (pick) {
        addChip(form, pick.dataset.pick, pick.dataset.id, pick.dataset.label);
        return;
      }
      const remove = event.target.closest("[data-remove]");
      if (remove) {
        remove.closest(".chip").remove();
        saveDraft(form);
      }
    });
    // A newly registered enterprise joins the session as soon as the server confirms it.
    document.body.addEventListener("htmx:afterSwap", () => {
      const done = form.querySelector("[data-registered]");
      if (done) addChip(form, done.dataset.registered, done.dataset.id, done.dataset.label);
    });
    form.addEventListener("submit", (event) => {
      saveDraft(form);
      if (!navigator.onLine) {
        event.preventDefault();
        queue(form);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const saved = document.querySelector("[data-saved-submission]");
    if (saved && saved.dataset.savedSubmission) device.draftForget(saved.dataset.savedSubmission);
    const form = document.querySelector("form[data-draft]");
    if (form) setUp(form);
    // Sessions still waiting on the device are said so on every visit, until they are sent.
    if (device.pending()) status("queued");
  });
  window.addEventListener("offline", () => status("offline"));
})();
