"use strict";

const ext = globalThis.browser || globalThis.chrome;
const $ = (id) => document.getElementById(id);
const REASONS = {
  device_revoked: "This browser was removed, or your consent was withdrawn: nothing more is counted. Pair it again from your panel's page.",
  consent_required: "Your panel needs your consent to ad verification again: see your consents on its site.",
  consent_withdrawn: "You withdrew your consent to ad verification: nothing more is sent.",
};

function row(cells) {
  const tr = document.createElement("tr");
  for (const text of cells) {
    const td = document.createElement("td");
    td.textContent = String(text);
    tr.appendChild(td);
  }
  return tr;
}

async function render() {
  const s = await ext.storage.local.get({ token: "", panel: "", pending: {}, outbox: [], paused: false, status: "" });
  $("unpaired").hidden = Boolean(s.token);
  $("paired").hidden = !s.token;
  if (!s.token) return;
  $("panel").textContent = s.panel;
  $("status").textContent = s.paused ? "Paused." : s.status === "sent" ? "Sent." : "";
  $("pause").textContent = s.paused ? "Resume" : "Pause";
  const reason = REASONS[s.status];
  $("revoked").hidden = !reason;
  $("revoked").textContent = reason || "";
  const body = $("pending");
  body.replaceChildren();
  const lines = [...Object.entries(s.pending).map(([key, count]) => [...JSON.parse(key), count])];
  for (const batch of s.outbox) {
    for (const line of batch.counts) lines.push([line.domain, line.site, line.hour, line.kind, line.count]);
  }
  for (const [domain, site, hour, kind, count] of lines) body.appendChild(row([domain, site, hour, kind, count]));
  $("nothing").hidden = lines.length > 0;
}

async function ask(message) {
  const answer = await ext.runtime.sendMessage(message);
  $("message").textContent = answer && !answer.ok ? answer.detail || "Something went wrong." : "";
  await render();
  return answer;
}

$("pair-form").addEventListener("submit", (event) => {
  event.preventDefault();
  ask({ type: "pair", server: $("server").value.trim(), code: $("code").value.trim() });
});
$("send").addEventListener("click", () => ask({ type: "send" }));
$("pause").addEventListener("click", async () => {
  const { paused } = await ext.storage.local.get({ paused: false });
  ask({ type: "pause", paused: !paused });
});
$("delete").addEventListener("click", () => ask({ type: "delete" }));
$("unpair").addEventListener("click", () => ask({ type: "unpair" }));
ext.storage.onChanged.addListener(() => render());
render();
