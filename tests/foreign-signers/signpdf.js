// Signs a PDF with @signpdf (node-forge CMS), a signer that is not ours: it adds its own
// placeholder (incremental update) and writes an adbe.pkcs7.detached signature.
// usage: node signpdf.js input.pdf output.pdf signer.p12 passphrase
'use strict';
const fs = require('fs');
const { SignPdf } = require('@signpdf/signpdf');
const { plainAddPlaceholder } = require('@signpdf/placeholder-plain');
const { P12Signer } = require('@signpdf/signer-p12');

async function main() {
  const [input, output, p12, passphrase] = process.argv.slice(2);
  if (!passphrase) throw new Error('usage: node signpdf.js input.pdf output.pdf signer.p12 passphrase');
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: fs.readFileSync(input),
    reason: 'foreign signer test',
    contactInfo: 'tests@example.invalid',
    name: 'signpdf',
    location: 'test',
    signatureLength: 16384,
  });
  const signer = new P12Signer(fs.readFileSync(p12), { passphrase });
  const signed = await new SignPdf().sign(withPlaceholder, signer);
  fs.writeFileSync(output, signed);
}

main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
