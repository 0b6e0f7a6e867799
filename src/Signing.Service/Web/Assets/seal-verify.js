// The printed seal, verified in the browser with no network (docs/printed-seal.md): the QR text's
// COSE_Sign1 (RFC 9052) is parsed with a strict CBOR reader (RFC 8949, definite lengths and
// shortest forms only, as the canonical payload is written), its ES256 signature is checked with
// WebCrypto against the seal certificates the public page last fetched, and the payload's 12
// fields are decoded exactly as Signing.Seal.SealPayload reads them. Hand-written because the
// subset is small and a general CBOR/ASN.1 library would parse far more than a seal ever holds.
(function (global) {
  "use strict";

  var SEAL_PURPOSE = "2.25.188322222564177860874018033224422836726";
  var EXT_EKU = "2.5.29.37";
  var MAX_TEXT_BYTES = 512;
  var MAX_KEY_FIELDS = 16;
  var KID_LENGTH = 8;
  var utf8 = new TextDecoder("utf-8", { fatal: true });

  function FormatError(message) { this.message = message; }

  // ---- CBOR: the subset a seal uses (uint, nint, bstr, tstr, array, map, tag, null) ----
  function CborReader(bytes) { this.b = bytes; this.p = 0; }
  CborReader.prototype.byte = function () {
    if (this.p >= this.b.length) throw new FormatError("the CBOR ends early");
    return this.b[this.p++];
  };
  // One item head: major type and argument, refusing indefinite lengths and longer-than-needed forms.
  CborReader.prototype.head = function () {
    var first = this.byte(), major = first >> 5, info = first & 31, value;
    if (info < 24) value = info;
    else if (info === 24) { value = this.byte(); if (value < 24) throw new FormatError("a CBOR number is not in its shortest form"); }
    else if (info === 25) { value = this.byte() * 256 + this.byte(); if (value < 256) throw new FormatError("a CBOR number is not in its shortest form"); }
    else if (info === 26) {
      value = ((this.byte() * 256 + this.byte()) * 256 + this.byte()) * 256 + this.byte();
      if (value < 65536) throw new FormatError("a CBOR number is not in its shortest form");
    }
    else throw new FormatError("the CBOR holds an indefinite or 64-bit item, which a seal never does");
    return { major: major, value: value, first: first };
  };
  CborReader.prototype.peekMajor = function () {
    if (this.p >= this.b.length) throw new FormatError("the CBOR ends early");
    return this.b[this.p] >> 5;
  };
  CborReader.prototype.take = function (n) {
    if (this.p + n > this.b.length) throw new FormatError("the CBOR ends early");
    var s = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return s;
  };
  CborReader.prototype.int = function () {
    var h = this.head();
    if (h.major === 0) return h.value;
    if (h.major === 1) return -1 - h.value;
    throw new FormatError("a CBOR integer was expected");
  };
  CborReader.prototype.bytes = function () {
    var h = this.head();
    if (h.major !== 2) throw new FormatError("a CBOR byte string was expected");
    return this.take(h.value);
  };
  CborReader.prototype.text = function () {
    var h = this.head();
    if (h.major !== 3) throw new FormatError("a CBOR text string was expected");
    if (h.value > MAX_TEXT_BYTES) throw new FormatError("a seal text is longer than " + MAX_TEXT_BYTES + " bytes");
    try { return utf8.decode(this.take(h.value)); } catch (e) { if (e instanceof FormatError) throw e; throw new FormatError("a seal text is not UTF-8"); }
  };
  CborReader.prototype.array = function () {
    var h = this.head();
    if (h.major !== 4) throw new FormatError("a CBOR array was expected");
    return h.value;
  };
  CborReader.prototype.map = function () {
    var h = this.head();
    if (h.major !== 5) throw new FormatError("a CBOR map was expected");
    return h.value;
  };
  CborReader.prototype.tag = function () {
    var h = this.head();
    if (h.major !== 6) throw new FormatError("a CBOR tag was expected");
    return h.value;
  };
  CborReader.prototype.isNull = function () {
    if (this.p < this.b.length && this.b[this.p] === 0xf6) { this.p++; return true; }
    return false;
  };
  CborReader.prototype.end = function () {
    if (this.p !== this.b.length) throw new FormatError("bytes follow the CBOR item");
  };

  function cborHead(major, n) {
    if (n < 24) return [(major << 5) | n];
    if (n < 256) return [(major << 5) | 24, n];
    if (n < 65536) return [(major << 5) | 25, n >> 8, n & 255];
    return [(major << 5) | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  function concat(parts) {
    var length = 0, i;
    for (i = 0; i < parts.length; i++) length += parts[i].length;
    var out = new Uint8Array(length), o = 0;
    for (i = 0; i < parts.length; i++) { out.set(parts[i], o); o += parts[i].length; }
    return out;
  }
  // Sig_structure = ["Signature1", body_protected, external_aad = h'', payload] (RFC 9052 §4.4).
  function sigStructure(protectedBytes, payload) {
    var context = new TextEncoder().encode("Signature1");
    return concat([
      Uint8Array.of(0x84),
      Uint8Array.from(cborHead(3, context.length)), context,
      Uint8Array.from(cborHead(2, protectedBytes.length)), protectedBytes,
      Uint8Array.of(0x40),
      Uint8Array.from(cborHead(2, payload.length)), payload,
    ]);
  }

  // ---- DER: just what a certificate's validity, key and extended key usage need ----
  function der(bytes, p) {
    var tag = bytes[p], len = bytes[p + 1], o = p + 2;
    if (tag === undefined || len === undefined) throw new FormatError("the certificate ends early");
    if (len & 0x80) {
      var n = len & 0x7f;
      if (n < 1 || n > 3) throw new FormatError("a certificate length is out of range");
      len = 0;
      for (var i = 0; i < n; i++) len = len * 256 + bytes[o + i];
      o += n;
    }
    if (o + len > bytes.length) throw new FormatError("the certificate ends early");
    return { tag: tag, start: p, body: o, end: o + len };
  }
  function children(bytes, node) {
    var list = [], p = node.body;
    while (p < node.end) { var c = der(bytes, p); list.push(c); p = c.end; }
    return list;
  }
  function oidText(bytes, node) {
    var arcs = [], value = 0n;
    for (var p = node.body; p < node.end; p++) {
      value = (value << 7n) | BigInt(bytes[p] & 0x7f);
      if (!(bytes[p] & 0x80)) { arcs.push(value); value = 0n; }
    }
    if (arcs.length === 0) return "";
    var first = arcs[0] < 80n ? arcs[0] / 40n : 2n;
    return [first, arcs[0] - first * 40n].concat(arcs.slice(1)).map(String).join(".");
  }
  function derTime(bytes, node) {
    var s = String.fromCharCode.apply(null, bytes.subarray(node.body, node.end));
    var m = node.tag === 0x17 ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s) : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) throw new FormatError("a certificate time is not UTCTime or GeneralizedTime in UTC");
    var year = +m[1];
    if (node.tag === 0x17) year += year < 50 ? 2000 : 1900;
    return Date.UTC(year, +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  }
  // The parts of an X.509 certificate the offline check needs (RFC 5280 §4.1).
  function parseCertificate(bytes) {
    var cert = der(bytes, 0);
    if (cert.tag !== 0x30 || cert.end !== bytes.length) throw new FormatError("not a DER certificate");
    var tbs = children(bytes, children(bytes, cert)[0]);
    var i = tbs[0].tag === 0xa0 ? 1 : 0; // [0] version
    var validity = children(bytes, tbs[i + 3]);
    var spki = tbs[i + 5];
    var purposes = [];
    var ext = tbs.filter(function (n) { return n.tag === 0xa3; })[0];
    if (ext) {
      children(bytes, children(bytes, ext)[0]).forEach(function (e) {
        var parts = children(bytes, e);
        if (oidText(bytes, parts[0]) !== EXT_EKU) return;
        var value = parts[parts.length - 1];
        children(bytes, der(bytes, value.body)).forEach(function (o) { purposes.push(oidText(bytes, o)); });
      });
    }
    return {
      notBefore: derTime(bytes, validity[0]),
      notAfter: derTime(bytes, validity[1]),
      spki: bytes.slice(spki.start, spki.end),
      purposes: purposes,
    };
  }

  function fromBase64(text, url) {
    if (url) {
      if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new FormatError("the seal is not base64url");
      text = text.replace(/-/g, "+").replace(/_/g, "/");
      while (text.length % 4) text += "=";
    }
    var raw;
    try { raw = atob(text); } catch (e) { throw new FormatError("the seal is not base64url"); }
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("").toUpperCase();
  }

  // ---- the seal certificates: what the CLI's SealCertificates keeps, checked here again ----
  // keys: the JSON of /api/public/seal-keys. Certificates without the seal key purpose or a P-256
  // key are ignored; the key id is computed here, not taken from the server's word.
  function loadKeys(keys) {
    var list = (keys && keys.certificates) || [];
    var revoked = {};
    ((keys && keys.revoked) || []).forEach(function (r) { revoked[String(r.kid).toUpperCase()] = r.revokedAt; });
    return Promise.all(list.map(function (c) {
      var bytes;
      var info;
      try { bytes = fromBase64(c.der, false); info = parseCertificate(bytes); } catch (e) { return null; }
      if (info.purposes.indexOf(SEAL_PURPOSE) < 0) return null;
      return crypto.subtle.importKey("spki", info.spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]).then(function (key) {
        return crypto.subtle.digest("SHA-256", bytes).then(function (digest) {
          var kid = hex(new Uint8Array(digest).subarray(0, KID_LENGTH));
          return { kid: kid, key: key, notBefore: info.notBefore, notAfter: info.notAfter, revokedAt: revoked[kid] || null };
        });
      }, function () { return null; });
    })).then(function (all) {
      var byKid = {};
      all.forEach(function (k) { if (k) byKid[k.kid] = k; });
      return byKid;
    });
  }

  // ---- the QR text: https://host/v/CODE#s1=<base64url(COSE_Sign1)> ----
  function parseText(text) {
    text = text.trim();
    if (text.length > 4296) throw new FormatError("the text is longer than a QR code can hold");
    var url = null, seal;
    if (text.indexOf("s1=") === 0) seal = text.slice(3);
    else {
      var hash = text.indexOf("#s1=");
      if (hash < 0) return null;
      try { url = new URL(text.slice(0, hash)); } catch (e) { throw new FormatError("the part before the seal is not an http(s) URL"); }
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new FormatError("the part before the seal is not an http(s) URL");
      seal = text.slice(hash + 4);
    }
    return { url: url, cose: fromBase64(seal, true) };
  }
  function codeOfUrl(url) {
    var segments = url.pathname.replace(/\/+$/, "").split("/");
    return segments.length >= 2 && segments[segments.length - 2] === "v" ? decodeURIComponent(segments[segments.length - 1]) : null;
  }
  function bare(code) { return code.replace(/[- ]/g, "").toUpperCase(); }

  var EPOCH_DAY = 0;
  function readDate(r, key) {
    expectKey(r, key);
    if (r.tag() !== 100) throw new FormatError("a date of the seal is not a tag-100 date");
    var days = r.int();
    if (days < 0 || days > 100000) throw new FormatError("a date of the seal is out of range");
    return EPOCH_DAY + days;
  }
  function expectKey(r, key) {
    var k = r.int();
    if (k !== key) throw new FormatError("the seal payload has key " + k + " where " + key + " belongs");
  }
  function readText(r, key) { expectKey(r, key); return r.text(); }

  // The 12-entry payload, in key order (docs/printed-seal.md).
  function decodePayload(bytes) {
    var r = new CborReader(bytes);
    if (r.map() !== 12) throw new FormatError("the seal payload does not have 12 entries");
    expectKey(r, 1);
    if (r.int() !== 1) throw new FormatError("the seal payload's version is not known");
    var seal = {
      agencyId: readText(r, 2), agencyName: readText(r, 3), template: readText(r, 4),
      number: readText(r, 5), symbol: readText(r, 6), issuedOn: readDate(r, 7),
      dossierCode: readText(r, 8), verificationCode: readText(r, 9), keyFields: [],
    };
    if (seal.verificationCode.length !== 11) throw new FormatError("the seal's verification code is not 11 characters");
    seal.verificationCode = seal.verificationCode.slice(0, 4) + "-" + seal.verificationCode.slice(4, 8) + "-" + seal.verificationCode.slice(8);
    expectKey(r, 10);
    var n = r.array();
    if (n > MAX_KEY_FIELDS) throw new FormatError("the seal's key fields are more than " + MAX_KEY_FIELDS);
    for (var i = 0; i < n; i++) {
      if (r.array() !== 3) throw new FormatError("a key field is not [label, English label, value]");
      var label = r.text();
      var en = r.isNull() ? null : r.text();
      seal.keyFields.push({ label: label, labelEn: en, value: r.text() });
    }
    seal.checkOnlineAfter = readDate(r, 11);
    seal.sealedOn = readDate(r, 12);
    r.end();
    return seal;
  }

  // Days since 1970-01-01 of the calendar day in Vietnam (UTC+7) at a UTC instant, as the CLI counts.
  function vietnamDay(ms) { return Math.floor((ms + 7 * 3600 * 1000) / 86400000); }

  function verdict(v, reason, extra) {
    var result = { verdict: v, reason: reason };
    if (extra) for (var k in extra) result[k] = extra[k];
    return result;
  }

  // Resolves to { verdict: Authentic | Forged | UnknownKey | KeyRevoked | NoSeal, reason, seal?, url?, kid?, revokedAt? }.
  function verify(text, keysByKid) {
    var parsed, message;
    try {
      parsed = parseText(text);
      if (!parsed) return Promise.resolve(verdict("NoSeal", "the QR code holds no printed seal"));
      var r = new CborReader(parsed.cose);
      if (r.peekMajor() === 6 && r.tag() !== 18) throw new FormatError("the seal is not a COSE_Sign1 message");
      if (r.array() !== 4) throw new FormatError("the seal is not a COSE_Sign1 message");
      message = { protectedBytes: r.bytes() };
      var unprotected = r.map();
      if (unprotected !== 0) return Promise.resolve(verdict("Forged", "the seal carries unprotected headers, which it never does", { url: parsed.url }));
      message.payload = r.bytes();
      message.signature = r.bytes();
      r.end();
      var h = new CborReader(message.protectedBytes), entries = h.map(), alg = null, kid = null;
      for (var i = 0; i < entries; i++) {
        var label = h.int();
        if (label === 1) alg = h.int();
        else if (label === 4) kid = h.bytes();
        else throw new FormatError("the seal's protected header has an unknown entry");
      }
      h.end();
      if (alg !== -7) return Promise.resolve(verdict("Forged", "the seal is not signed with ES256", { url: parsed.url }));
      if (!kid) return Promise.resolve(verdict("Forged", "the seal names no key", { url: parsed.url }));
      message.kid = hex(kid);
    } catch (e) {
      if (e instanceof FormatError) return Promise.resolve(verdict("Forged", e.message, { url: parsed && parsed.url }));
      throw e;
    }
    var url = parsed.url;
    var key = keysByKid[message.kid];
    if (!key) {
      return Promise.resolve(verdict("UnknownKey", "signed by key " + message.kid + ", which is not one of the " + Object.keys(keysByKid).length + " trusted seal certificates", { url: url, kid: message.kid }));
    }
    if (message.signature.length !== 64) return Promise.resolve(verdict("Forged", "the signature does not match the seal's content", { url: url, kid: message.kid }));
    return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key.key, message.signature, sigStructure(message.protectedBytes, message.payload)).then(function (valid) {
      if (!valid) return verdict("Forged", "the signature does not match the seal's content", { url: url, kid: message.kid });
      var seal;
      try { seal = decodePayload(message.payload); } catch (e) {
        if (e instanceof FormatError) return verdict("Forged", e.message, { url: url, kid: message.kid });
        throw e;
      }
      var extra = { url: url, kid: message.kid, seal: seal };
      var from = vietnamDay(key.notBefore), until = vietnamDay(key.notAfter);
      if (seal.sealedOn < from || seal.sealedOn > until) return verdict("Forged", "the seal says it was signed outside its key's validity", extra);
      if (url) {
        var urlCode = codeOfUrl(url);
        if (urlCode === null || bare(urlCode) !== bare(seal.verificationCode)) return verdict("Forged", "the URL names another result than the one the seal was signed for", extra);
      }
      if (key.revokedAt) { extra.revokedAt = key.revokedAt; return verdict("KeyRevoked", "the seal key was revoked", extra); }
      return verdict("Authentic", "signed by the agency's seal key", extra);
    });
  }

  function isoDay(days) { return new Date(days * 86400000).toISOString().slice(0, 10); }

  global.SealVerify = { verify: verify, loadKeys: loadKeys, isoDay: isoDay, parseCertificate: parseCertificate };
})(self);
