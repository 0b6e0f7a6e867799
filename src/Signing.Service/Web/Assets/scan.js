// The public page's QR reader: a photo of the printed result (or the phone camera, through the
// file input's capture hint) is decoded in the browser with jsQR, and only a verification code is
// taken from it: the page goes to this site's own /v/{code}, never to a URL the picture names.
(function () {
  "use strict";
  var input = document.getElementById("qr-photo");
  var status = document.getElementById("qr-status");
  if (!input || !status || typeof jsQR !== "function") return;
  var codePattern = /[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}/;

  function say(text) { status.textContent = text; }

  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) return;
    say(status.dataset.reading);
    createImageBitmap(file).then(function (bitmap) {
      // Large photos are scaled down: jsQR needs the modules, not the megapixels.
      var scale = Math.min(1, 2000 / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: "attemptBoth" });
      var match = found && codePattern.exec(found.data.toUpperCase());
      if (!match) { say(status.dataset.none); return; }
      say(status.dataset.found.replace("{0}", match[0]));
      window.location.assign("/v/" + encodeURIComponent(match[0]));
    }).catch(function () { say(status.dataset.unreadable); });
  });
})();
