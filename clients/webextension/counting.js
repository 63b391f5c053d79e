// What the extension keeps, and nothing more: counts per (watched domain, registrable domain of the
// site, UTC hour, impression or click). Pure functions, shared by the background script and the tests.
"use strict";

(function (root) {
  const RULES = new Set(root.PUBLIC_SUFFIX_RULES || []);

  // The registrable domain of a host by the Public Suffix List ("news.example.co.uk" -> "example.co.uk"),
  // or null for an address, a single label or a public suffix itself.
  function registrableDomain(host) {
    if (!host || !host.includes(".") || /^[0-9.]+$/.test(host) || host.includes(":")) return null;
    const labels = host.toLowerCase().replace(/\.$/, "").split(".");
    let suffixLength = 1; // the implicit rule "*": the last label is a public suffix
    for (let i = 0; i < labels.length; i++) {
      const candidate = labels.slice(i).join(".");
      const wildcard = ["*"].concat(labels.slice(i + 1)).join(".");
      if (RULES.has("!" + candidate)) {
        suffixLength = Math.max(suffixLength, labels.length - i - 1);
      } else if (RULES.has(candidate) || (i + 1 < labels.length && RULES.has(wildcard))) {
        suffixLength = Math.max(suffixLength, labels.length - i);
      }
    }
    if (labels.length <= suffixLength) return null;
    return labels.slice(labels.length - suffixLength - 1).join(".");
  }

  // The watched domain a host belongs to (itself, or a parent on the list), or null.
  function watchedDomain(host, domains) {
    for (const domain of domains || []) {
      if (host === domain || host.endsWith("." + domain)) return domain;
    }
    return null;
  }

  function hostOf(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.hostname : null;
    } catch (_error) {
      return null;
    }
  }

  function hourOf(timeStamp) {
    const hour = new Date(timeStamp);
    hour.setUTCMinutes(0, 0, 0);
    return hour.toISOString().replace(".000Z", "Z");
  }

  // One observed request as a count key, or null when it is nothing the panel watches. ``details`` is a
  // webRequest event: the request's URL and type, where it came from (Chromium: initiator; Firefox:
  // documentUrl / originUrl) and whether it happened in a private window (Firefox says so).
  function countKey(details, watch) {
    if (details.incognito) return null; // never anything from private windows
    const host = hostOf(details.url);
    if (!host) return null;
    const from = details.initiator || details.documentUrl || details.originUrl;
    const site = from ? registrableDomain(hostOf(from) || "") : null;
    if (!site) return null;
    if (details.type === "main_frame") {
      const landing = watchedDomain(host, watch.landingDomains);
      return landing && registrableDomain(host) !== site ? JSON.stringify([landing, site, hourOf(details.timeStamp), "click"]) : null;
    }
    const ad = watchedDomain(host, watch.adDomains);
    return ad ? JSON.stringify([ad, site, hourOf(details.timeStamp), "impression"]) : null;
  }

  function linesOf(pending) {
    return Object.entries(pending).map(([key, count]) => {
      const [domain, site, hour, kind] = JSON.parse(key);
      return { domain, site, hour, kind, count: Math.min(count, 10000) };
    });
  }

  root.FairpanelCounting = { registrableDomain, watchedDomain, countKey, linesOf, hostOf };
})(globalThis);
