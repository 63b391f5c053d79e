// The background of the extension: it observes (never blocks) requests to the panel's watched
// domains, keeps counts, and sends them hourly. In Chromium a service worker, in Firefox an event page.
"use strict";

if (typeof importScripts === "function") importScripts("psl.js", "counting.js");

const ext = globalThis.browser || globalThis.chrome;
const C = globalThis.FairpanelCounting;
const BATCH_LINES = 1000;
let queue = Promise.resolve(); // every change of the stored state, one after the other

function serially(step) {
  queue = queue.then(step, step);
  return queue;
}

async function state() {
  return ext.storage.local.get({ server: "", token: "", panel: "", adDomains: [], landingDomains: [],
    paused: false, pending: {}, outbox: [], status: "", lastSent: "" });
}

function observed(details) {
  serially(async () => {
    const s = await state();
    if (!s.token || s.paused) return;
    const key = C.countKey(details, s);
    if (!key) return;
    s.pending[key] = (s.pending[key] || 0) + 1;
    await ext.storage.local.set({ pending: s.pending });
  });
}

// Observation only: no "blocking" in the options, so nothing is ever held up or changed.
ext.webRequest.onBeforeRequest.addListener(observed, { urls: ["http://*/*", "https://*/*"] });

async function call(s, method, path, body) {
  const response = await fetch(s.server.replace(/\/$/, "") + path, {
    method,
    headers: { "Content-Type": "application/json", ...(s.token ? { Authorization: "Device " + s.token } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    credentials: "omit",
  });
  let answer = {};
  try { answer = await response.json(); } catch (_error) { answer = {}; }
  return { status: response.status, answer };
}

async function pair(server, code) {
  const { status, answer } = await call({ server, token: "" }, "POST", "/api/v1/adverification/devices/pair",
    { code, name: navigator.userAgent.includes("Firefox") ? "Firefox" : "Chromium" });
  if (status !== 201) return { ok: false, detail: answer.detail || "Pairing failed (" + status + ")." };
  await ext.storage.local.set({ server, token: answer.token, panel: answer.panel, adDomains: answer.ad_domains,
    landingDomains: answer.landing_domains, status: "paired", pending: {}, outbox: [] });
  return { ok: true };
}

async function refreshWatchList(s) {
  const { status, answer } = await call(s, "GET", "/api/v1/adverification/watchlist");
  if (status === 200) {
    await ext.storage.local.set({ adDomains: answer.ad_domains, landingDomains: answer.landing_domains });
  } else if (status === 401) {
    await ext.storage.local.set({ status: answer.code || "device_revoked" });
  }
}

// Pending counts become batches with a random UUID; a batch that could not be sent stays in the outbox
// and is sent again later under the same UUID, so the server stores it once.
async function sendNow() {
  await serially(async () => {
    const s = await state();
    const lines = C.linesOf(s.pending);
    for (let i = 0; i < lines.length; i += BATCH_LINES) {
      s.outbox.push({ batch_id: crypto.randomUUID(), counts: lines.slice(i, i + BATCH_LINES) });
    }
    await ext.storage.local.set({ pending: {}, outbox: s.outbox });
  });
  const s = await state();
  if (!s.token) return;
  await refreshWatchList(s);
  for (const batch of s.outbox) {
    let result;
    try {
      result = await call(s, "POST", "/api/v1/adverification/batches", batch);
    } catch (_error) {
      await ext.storage.local.set({ status: "offline" });
      return; // kept for the next try
    }
    if (result.status === 401) {
      await ext.storage.local.set({ status: result.answer.code || "device_revoked" });
      return;
    }
    if (result.status === 429 || result.status >= 500) return; // kept for the next try
    // Sent (201), or refused for good (a 4xx names the line): either way it leaves the outbox.
    await serially(async () => {
      const now = await state();
      await ext.storage.local.set({ outbox: now.outbox.filter((b) => b.batch_id !== batch.batch_id),
        status: result.status === 201 ? "sent" : result.answer.code || "refused",
        lastSent: result.status === 201 ? new Date().toISOString() : now.lastSent });
    });
  }
}

ext.alarms.onAlarm.addListener((alarm) => { if (alarm.name === "send") sendNow(); });
ext.runtime.onInstalled.addListener(() => ext.alarms.create("send", { periodInMinutes: 60 }));
ext.runtime.onStartup.addListener(() => ext.alarms.create("send", { periodInMinutes: 60 }));

ext.runtime.onMessage.addListener((message, _sender, reply) => {
  const actions = {
    pair: () => pair(message.server, message.code),
    send: () => sendNow().then(() => ({ ok: true })),
    pause: () => ext.storage.local.set({ paused: Boolean(message.paused) }).then(() => ({ ok: true })),
    delete: () => serially(() => ext.storage.local.set({ pending: {}, outbox: [] })).then(() => ({ ok: true })),
    unpair: () => ext.storage.local.clear().then(() => ({ ok: true })),
  };
  const action = actions[message.type];
  if (!action) return false;
  action().then(reply, (error) => reply({ ok: false, detail: String(error) }));
  return true; // the reply comes later
});
