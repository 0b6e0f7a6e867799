// The public page's QR reader: a photo of the printed result (or the phone camera, through the
// file input's capture hint) is decoded in the browser with ZXing-C++ (zxing-wasm). A QR code with a printed seal is
// verified here with SealVerify against the seal key list this page last fetched (kept by the
// service worker, so it works offline); one with only a URL leads to this site's own /v/{code},
// never to a URL the picture names.
(function () {
  "use strict";
  var input = document.getElementById("qr-photo");
  var status = document.getElementById("qr-status");
  var result = document.getElementById("seal-result");
  var keysNote = document.getElementById("seal-keys");
  if (!input || !status || typeof ZXingWASM !== "object") return;
  // The WebAssembly module comes from this site (kept by the service worker), never from the CDN the
  // package names by default; it is fetched and compiled now, so the first photo does not wait for it.
  var reader = ZXingWASM.prepareZXingModule({
    overrides: { locateFile: function (path, prefix) { return /\.wasm$/.test(path) ? "/assets/" + path : prefix + path; } },
    fireImmediately: true,
  });
  reader.catch(function () { /* a photo then reads as unreadable; typing the code still works */ });
  var codePattern = /[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}/;
  var keys = null; // Promise of { byKid, issuedAt } or null when no list could be had

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* the page still works online */ });
  }

  function loadKeys() {
    keys = fetch("/api/public/seal-keys", { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) throw new Error("seal-keys " + response.status);
      return response.json();
    }).then(function (list) {
      return SealVerify.loadKeys(list).then(function (byKid) {
        if (keysNote) {
          keysNote.textContent = keysNote.dataset.fetched.replace("{0}", new Date(list.issuedAt).toLocaleString());
          keysNote.dataset.issuedAt = list.issuedAt;
        }
        return { byKid: byKid, issuedAt: list.issuedAt };
      });
    }).catch(function () {
      if (keysNote) keysNote.textContent = keysNote.dataset.missing;
      return null;
    });
  }
  if (typeof SealVerify === "object" && result) loadKeys();

  function say(text) { status.textContent = text; }

  // Both languages, as the CLI prints them: the checker may read either.
  var VERDICTS = {
    Authentic: ["Dấu in hợp lệ: do khóa dấu in của cơ quan ban hành ký", "Authentic: signed by the issuing agency's seal key", "ok"],
    Forged: ["Không hợp lệ: nội dung không phải là nội dung cơ quan đã ký", "Forged: not what the agency signed", "error"],
    UnknownKey: ["Không xác minh được: khóa ký không phải khóa dấu in được tin cậy", "Unknown key: not signed by a trusted seal key", "error"],
    KeyRevoked: ["Khóa dấu in đã bị thu hồi: không dựa vào bản in này, hãy tra cứu trực tuyến", "Seal key revoked: do not rely on this print, check it online", "error"],
  };
  var FIELDS = [
    ["agencyName", "Cơ quan ban hành", "Issuing agency"],
    ["agencyId", "Mã cơ quan", "Agency identifier"],
    ["template", "Mẫu", "Template"],
    ["number", "Số", "Number"],
    ["symbol", "Ký hiệu", "Symbol"],
    ["issuedOn", "Ngày ban hành", "Date of issue"],
    ["dossierCode", "Mã hồ sơ", "Dossier code"],
    ["verificationCode", "Mã tra cứu", "Verification code"],
  ];
  var ONLINE_ONLY = ["Tình trạng thu hồi hoặc thay thế chỉ biết được khi tra cứu trực tuyến.", "Whether the result was revoked or superseded is known only from the online check."];
  var CHECK_AFTER = ["Nên tra cứu trực tuyến sau ngày", "Check online after"];
  var SEALED_ON = ["Ngày ký dấu in", "Sealed on"];
  var GO_ONLINE = ["Tra cứu trực tuyến", "Check online"];
  var OFFLINE = ["Không có mạng: hãy tra cứu trực tuyến mã này khi có mạng.", "No network: check this code online when you are connected."];
  var NO_KEYS = ["Chưa có danh sách khóa dấu in để kiểm tra: hãy mở trang này một lần khi có mạng.", "No seal key list to check against: open this page once while online."];
  var REVOKED_ON = ["Khóa bị thu hồi ngày", "Key revoked on"];

  function el(name, attrs, children) {
    var node = document.createElement(name);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function both(pair) { return [el("span", { lang: "vi" }, [pair[0]]), " ", el("span", { lang: "en", class: "en" }, ["(" + pair[1] + ")"])]; }
  function row(dl, vi, en, value) {
    dl.appendChild(el("dt", {}, both([vi, en])));
    dl.appendChild(el("dd", {}, [value]));
  }

  function show(outcome) {
    result.replaceChildren();
    var v = VERDICTS[outcome.verdict] || VERDICTS.Forged;
    result.dataset.verdict = outcome.verdict;
    result.appendChild(el("h3", { id: "seal-verdict", class: v[2] }, both(v)));
    result.appendChild(el("p", { class: "hint", id: "seal-reason", lang: "en" }, [outcome.reason]));
    var seal = outcome.seal;
    if (seal && (outcome.verdict === "Authentic" || outcome.verdict === "KeyRevoked")) {
      var dl = el("dl", { class: "facts", id: "seal-fields" });
      FIELDS.forEach(function (f) {
        var value = seal[f[0]];
        row(dl, f[1], f[2], typeof value === "number" ? SealVerify.isoDay(value) : value);
      });
      seal.keyFields.forEach(function (f) { row(dl, f.label, f.labelEn || f.label, f.value); });
      row(dl, SEALED_ON[0], SEALED_ON[1], SealVerify.isoDay(seal.sealedOn));
      row(dl, CHECK_AFTER[0], CHECK_AFTER[1], SealVerify.isoDay(seal.checkOnlineAfter));
      if (outcome.revokedAt) row(dl, REVOKED_ON[0], REVOKED_ON[1], String(outcome.revokedAt).slice(0, 10));
      result.appendChild(dl);
    }
    result.appendChild(el("p", { class: "notice", id: "seal-online-only" }, both(ONLINE_ONLY)));
    // The online check is this site's own page for the code the seal was signed for (or the URL names).
    var code = seal ? seal.verificationCode : outcome.url && (codePattern.exec(outcome.url.pathname.toUpperCase()) || [])[0];
    if (code) {
      if (navigator.onLine) {
        result.appendChild(el("p", {}, [el("a", { id: "seal-online", href: "/v/" + encodeURIComponent(code) }, both(GO_ONLINE))]));
      } else {
        result.appendChild(el("p", { id: "seal-offline" }, both(OFFLINE)));
      }
    }
    result.hidden = false;
    result.focus();
  }

  function verifySeal(text) {
    return (keys || Promise.resolve(null)).then(function (k) {
      if (!k) {
        result.replaceChildren(el("p", { class: "error", id: "seal-no-keys" }, both(NO_KEYS)));
        result.hidden = false;
        return;
      }
      var started = performance.now();
      return SealVerify.verify(text, k.byKid).then(function (outcome) {
        outcome.verifyMs = performance.now() - started;
        show(outcome);
        return outcome;
      });
    });
  }

  // Reads a QR text from an image file; resolves to the text or null. Exposed for the benchmark.
  // The renderer prints the QR in page 1's lower-left corner, so that corner (upright or turned,
  // as Signing.Seal.QrImageReader does) is read first; then the whole picture.
  var CORNER = 0.55;
  var LARGEST = 2000; // larger regions are scaled down: the reader needs the modules, not the megapixels
  var QUICK = { formats: ["QRCode"], maxNumberOfSymbols: 1, tryHarder: false, tryRotate: false, tryInvert: false, tryDownscale: false };
  var THOROUGH = { formats: ["QRCode"], maxNumberOfSymbols: 1 };
  function drawn(source, sx, sy, sw, sh, scale) {
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(sw * scale);
    canvas.height = Math.round(sh * scale);
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(source, sx, sy, sw, sh, 0, 0, canvas.width, canvas.height);
    return Promise.resolve(context.getImageData(0, 0, canvas.width, canvas.height));
  }
  // A decoded picture: its size, and the RGBA pixels of a region at a scale.
  function bitmapPicture(bitmap) {
    return { width: bitmap.width, height: bitmap.height, pixels: function (x, y, w, h, scale) { return drawn(bitmap, x, y, w, h, scale); }, close: function () { bitmap.close(); } };
  }
  // A WebCodecs frame hands over a region's pixels at full size without a canvas: a third of the
  // CPU of drawing and reading back. Regions start and end on even pixels, as subsampled (I420) frames need.
  function framePicture(frame) {
    return {
      width: frame.displayWidth,
      height: frame.displayHeight,
      pixels: function (x, y, w, h, scale) {
        if (scale !== 1) return drawn(frame, x, y, w, h, scale);
        var rect = { x: x & ~1, y: y & ~1, width: w & ~1, height: h & ~1 };
        var data = new Uint8ClampedArray(rect.width * rect.height * 4);
        return frame.copyTo(data, { rect: rect, format: "RGBA" }).then(function () {
          return new ImageData(data, rect.width, rect.height);
        }, function () { return drawn(frame, x, y, w, h, scale); });
      },
      close: function () { frame.close(); },
    };
  }
  function firstText(results) {
    var found = results.filter(function (r) { return r.isValid; })[0];
    return found ? found.text : null;
  }
  function readPicture(picture) {
    var w = picture.width, h = picture.height;
    var scaleOf = function (rw, rh) { return Math.min(1, LARGEST / Math.max(rw, rh)); };
    var cw = Math.floor(w * CORNER), ch = Math.floor(h * CORNER);
    var corners = h >= w ? [[0, h - ch], [w - cw, 0]] : [[0, 0], [w - cw, h - ch]];
    var tryCorner = function (i) {
      if (i === corners.length) {
        return picture.pixels(0, 0, w, h, scaleOf(w, h)).then(function (pixels) { return ZXingWASM.readBarcodes(pixels, THOROUGH); }).then(firstText);
      }
      return picture.pixels(corners[i][0], corners[i][1], cw, ch, scaleOf(cw, ch)).then(function (pixels) {
        return ZXingWASM.readBarcodes(pixels, QUICK);
      }).then(function (results) { return firstText(results) || tryCorner(i + 1); });
    };
    return reader.then(function () { return tryCorner(0); }).finally(function () { picture.close(); });
  }
  // WebCodecs' ImageDecoder where the browser has it for the file's type, with
  // no colour management, which a QR code does not need; createImageBitmap elsewhere.
  function decodedPicture(file) {
    var viaBitmap = function () { status.dataset.decoder = "bitmap"; return createImageBitmap(file).then(bitmapPicture); };
    if (typeof ImageDecoder !== "function" || !file.type) return viaBitmap();
    return ImageDecoder.isTypeSupported(file.type).then(function (supported) {
      if (!supported) return viaBitmap();
      return file.arrayBuffer().then(function (bytes) {
        var decoder = new ImageDecoder({ data: bytes, type: file.type, colorSpaceConversion: "none", preferAnimation: false });
        return decoder.decode({ frameIndex: 0 }).finally(function () { decoder.close(); });
      }).then(function (decoded) { status.dataset.decoder = "ImageDecoder"; return framePicture(decoded.image); });
    });
  }
  function decodeFile(file) {
    return decodedPicture(file).then(readPicture);
  }

  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) return;
    say(status.dataset.reading);
    result.hidden = true;
    decodeFile(file).then(function (text) {
      if (text && result && typeof SealVerify === "object" && /(^|#)s1=/.test(text)) {
        say("");
        return verifySeal(text);
      }
      var match = text && codePattern.exec(text.toUpperCase());
      if (!match) { say(status.dataset.none); return; }
      say(status.dataset.found.replace("{0}", match[0]));
      window.location.assign("/v/" + encodeURIComponent(match[0]));
    }).catch(function () { say(status.dataset.unreadable); });
  });

  window.SealPage = { decodeFile: decodeFile, verify: function (text) { return keys.then(function (k) { return SealVerify.verify(text, k.byKid); }); } };
})();
