// The workspace's service worker: Hari ini, Catat sesi and the profiles of a consultant's
// recent clients open without signal (docs/workspace.md, "Offline"). Hand-written: it does
// three things, and a test in Chromium checks each (tests/browser/test_offline.py).
//
// SETTINGS (written above this file by plut/foundation/core/pwa.py): the static assets to
// fetch at install, by their hashed names; the address listing the pages to keep for the
// signed-in user; the logout address.
//
// - Static assets: fetched at install, then network first (the cached copy without signal).
// - Kept pages: network first, stored in a cache of the user's own; the cached copy without
//   signal. Nothing else is stored: no other page, no search, no API answer.
// - A sign-out (or a different user's page) deletes every kept page.
"use strict";

const ASSETS = "plut-assets";
const PAGES = "plut-pages-"; // + the user's id
const META = "plut-meta"; // who the kept pages belong to, which they are, when listed
const META_KEY = "meta";
const RELIST_AFTER = 10 * 60 * 1000; // a consultant moves between pages often: list at most this often

// ---- Who and what is kept -------------------------------------------------------------------
async function meta() {
  const stored = await (await caches.open(META)).match(META_KEY);
  return stored ? stored.json() : { user: null, pages: [], listed: 0 };
}

async function metaSave(value) {
  await (await caches.open(META)).put(META_KEY, new Response(JSON.stringify(value)));
}

// Every user's kept pages but ``keep``'s.
async function forgetPages(keep = null) {
  for (const name of await caches.keys()) {
    if (name.startsWith(PAGES) && name !== keep) await caches.delete(name);
  }
}

async function forgetEveryone() {
  await forgetPages();
  await caches.delete(META);
}

// The page as it came, with the moment it was stored (the notice says "as of"). Only the
// type is kept of its headers: its Vary would make the cache compare cookies.
async function stamped(response) {
  const headers = new Headers({
    "Content-Type": response.headers.get("Content-Type") || "text/html",
    "X-Stored-At": new Date().toISOString(),
  });
  return new Response(await response.blob(), { status: response.status, headers });
}

// A page of the user's own, whole: not a redirect (to the login page), not an error.
const whole = (response) => response.ok && !response.redirected && response.type === "basic";

async function keep(cache, url, response) {
  if (whole(response)) await cache.put(url, await stamped(response));
}

// Ask the server which pages to keep for ``user`` and fetch them all.
async function relist(user) {
  const known = await meta();
  const cacheName = PAGES + user;
  if (known.user !== user) await forgetPages(cacheName);
  else if (Date.now() - known.listed < RELIST_AFTER) return;
  const response = await fetch(SETTINGS.pages, { credentials: "same-origin" });
  if (!whole(response)) return;
  const { pages } = await response.json();
  // Listed first: a page asked for while the others are still being fetched is kept too.
  await metaSave({ user, pages, listed: Date.now() });
  const cache = await caches.open(cacheName);
  const urls = new Set(pages.map((page) => new URL(page.url, location.origin).href));
  // One at a time: the signal in the field is thin, and the user's own pages come first.
  for (const url of urls) await keep(cache, url, await fetch(url, { credentials: "same-origin" }));
  for (const request of await cache.keys()) {
    if (!urls.has(request.url)) await cache.delete(request);
  }
}

// ---- Answering requests -----------------------------------------------------------------------
async function networkFirst(request, cacheName, store) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (store) await keep(cache, request.url, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request.url);
    if (cached) return cached;
    throw error;
  }
}

async function navigation(request) {
  const known = await meta();
  const path = new URL(request.url);
  const listed = known.user && known.pages.some((page) => page.url === path.pathname + path.search);
  if (!listed) return fetch(request);
  return networkFirst(request, PAGES + known.user, true);
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(ASSETS).then((cache) => cache.addAll(SETTINGS.assets)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  // Assets of an earlier deployment (other hashed names) go.
  const current = new Set(SETTINGS.assets.map((path) => new URL(path, location.origin).href));
  event.waitUntil(
    caches
      .open(ASSETS)
      .then(async (cache) => {
        for (const request of await cache.keys()) {
          if (!current.has(request.url)) await cache.delete(request);
        }
      })
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== location.origin) return;
  if (request.method === "POST" && url.pathname === SETTINGS.logout) {
    // Signing out, with or without signal: nothing of this user stays on the device. The
    // request itself goes on to the server untouched.
    event.waitUntil(forgetEveryone());
    return;
  }
  if (request.method !== "GET") return;
  if (SETTINGS.assets.includes(url.pathname)) {
    event.respondWith(networkFirst(request, ASSETS, false));
  } else if (request.mode === "navigate") {
    event.respondWith(navigation(request));
  }
});

// The pages ask: "refresh" (this user is signed in and online: keep their pages fresh) and
// "kept" (without signal: what can be opened, and when this page was stored).
self.addEventListener("message", (event) => {
  const { type, user, url } = event.data;
  const reply = (answer) => event.ports[0]?.postMessage(answer);
  if (type === "refresh") {
    event.waitUntil(relist(String(user)).catch(() => null).then(() => reply({})));
  } else if (type === "kept") {
    event.waitUntil(
      (async () => {
        const known = await meta();
        if (known.user !== String(user)) return reply({ pages: [], storedAt: null });
        const cached = await (await caches.open(PAGES + known.user)).match(url);
        reply({ pages: known.pages, storedAt: cached?.headers.get("X-Stored-At") ?? null });
      })(),
    );
  }
});
