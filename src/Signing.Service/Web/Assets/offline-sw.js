// The public page's service worker: after one visit, the page, its scripts and the seal key list
// it fetched are kept, so a printed seal can be checked with no network. Every request goes to the
// network first (so online visits always see the current page and the current key list, revoked
// keys included) and falls back to the kept copy only when the network fails.
"use strict";
var CACHE = "signing-public-v2";
var KEPT = [
  "/",
  "/assets/site.css",
  "/assets/zxing-reader.js",
  "/assets/zxing_reader.wasm",
  "/assets/seal-verify.js",
  "/assets/scan.js",
  "/assets/app-icon.svg",
  "/manifest.webmanifest",
  "/api/public/seal-keys",
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(KEPT); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(url) {
  return url.origin === self.location.origin && KEPT.indexOf(url.pathname) >= 0;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || !kept(url)) return;
  event.respondWith(fetch(request).then(function (response) {
    // The front page in either language is kept under its own URL; only complete answers are kept.
    if (response.ok && response.type === "basic") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }, function () {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) { return hit || cache.match(url.pathname, { ignoreSearch: true }); });
    }).then(function (hit) {
      return hit || Response.error();
    });
  }));
});
