// The session form on a phone in the field: pick clients, register one inline, and never lose
// a half-filled form when the signal drops. Drafts live in localStorage; a form submitted while
// offline waits in a queue on the device and is sent when the connection returns. The
// form's submission key makes a re-sent form harmless: the server saves it once.
(() => {
  "use strict";

  const DRAFTS = "plut:drafts";
  const QUEUE = "plut:outbox";
  const read = (key) => JSON.parse(localStorage.getItem(key) || "{}");
  const write = (key, value) => localStorage.setItem(key, JSON.stringify(value));

  // The status line carries its own messages, translated on the server (data-* attributes):
  // no user-facing text lives in this file, so the message catalogue covers them all.
  const statusBox = () => document.getElementById("draft-status");
  const status = (id) => {
    const box = statusBox();
    if (box) box.textContent = box.dataset[id] || "";
  };

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
    const drafts = read(DRAFTS);
    drafts[draftKey(form)] = { fields: fieldsOf(form), chips: chipsOf(form), saved: Date.now() };
    write(DRAFTS, drafts);
    status("draftSaved");
  }

  function restoreDraft(form) {
    const draft = read(DRAFTS)[draftKey(form)];
    // A form the server sent back with errors holds the newest truth; keep it.
    if (!draft || form.querySelector(".errors")) return;
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
  }

  function forgetDraft(submissionKey) {
    const drafts = read(DRAFTS);
    for (const [key, draft] of Object.entries(drafts)) {
      if (draft.fields.submission_key === submissionKey) delete drafts[key];
    }
    write(DRAFTS, drafts);
  }

  // ---- The outbox: forms submitted while offline ------------------------------------------
  function queue(form) {
    const outbox = read(QUEUE);
    const body = new URLSearchParams(new FormData(form)).toString();
    outbox[form.elements.submission_key.value] = { url: form.action || location.href, body };
    write(QUEUE, outbox);
    status("queued");
  }

  // One flush at a time: the browser's "online" event and the page load can fire together, and
  // two overlapping flushes would post the same queued form twice.
  let flushing = null;
  function flush() {
    if (!flushing) flushing = send().finally(() => { flushing = null; });
    return flushing;
  }

  async function send() {
    const outbox = read(QUEUE);
    const keys = Object.keys(outbox);
    if (!keys.length || !navigator.onLine) return;
    for (const key of keys) {
      const item = outbox[key];
      try {
        const response = await fetch(item.url, {
          method: "POST",
          body: item.body,
          credentials: "same-origin",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
        });
        // Saved (the server redirects to the session page) or refused for good: either way it
        // leaves the queue; a refused one stays as a draft for the user to correct.
        if (response.redirected || response.ok) {
          delete outbox[key];
          if (response.redirected) forgetDraft(key);
        }
      } catch (error) {
        return; // still offline; try again on the next "online" event
      }
    }
    write(QUEUE, outbox);
    status("synced");
  }

  // ---- Wiring ------------------------------------------------------------------------------
  function setUp(form) {
    restoreDraft(form);
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
    if (saved && saved.dataset.savedSubmission) forgetDraft(saved.dataset.savedSubmission);
    const form = document.querySelector("form[data-draft]");
    if (form) setUp(form);
    // Sessions still waiting on the device are said so on every visit, until they are sent.
    if (Object.keys(read(QUEUE)).length) status("queued");
    flush();
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", () => status("offline"));
})();
