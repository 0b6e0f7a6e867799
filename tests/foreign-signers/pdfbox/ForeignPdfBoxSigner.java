// A signer that is not ours, for the verifier's tests: Apache PDFBox writes the incremental update
// and the signature dictionary, Bouncy Castle the CMS, `openssl ts -reply` the RFC 3161 tokens.
// The tests compile this file with javac at test time; nothing here is shipped.
//
// usage: java ForeignPdfBoxSigner mode=certify|approve|timestamp|dss in=IN.pdf out=OUT.pdf
//          certify/approve: key=KEY.pem cert=CERT.pem chain=CA.pem alg=SHA256withRSA
//                           [subfilter=adbe.pkcs7.detached|ETSI.CAdES.detached] [field=NAME]
//          timestamp:       tsaconfig=TSA.cnf tsacert=TSA.pem tsakey=TSA.key tsachain=CA.pem
//          dss:             [certs=A.der,B.der] [ocsps=C.der] [crls=D.der]: PDFBox writes the /DSS
//                           (kept entries plus these) and a /VRI entry per signature naming them
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.FileReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureInterface;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureOptions;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSAttributeTableGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.DefaultSignedAttributeTableGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponse;

public final class ForeignPdfBoxSigner {
    private ForeignPdfBoxSigner() {
    }

    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        Map<String, String> o = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("arguments are name=value: " + a);
            o.put(a.substring(0, eq), a.substring(eq + 1));
        }

        String mode = need(o, "mode");
        if (mode.equals("dss")) {
            addDss(o);
            return;
        }

        try (PDDocument doc = PDDocument.load(new File(need(o, "in")))) {
            PDSignature sig = new PDSignature();
            sig.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            SignatureInterface signer;
            if (mode.equals("timestamp")) {
                sig.setType(COSName.DOC_TIME_STAMP);
                sig.setSubFilter(COSName.getPDFName("ETSI.RFC3161"));
                signer = content -> timestampToken(readAll(content), o);
            } else {
                sig.setSubFilter(COSName.getPDFName(o.getOrDefault("subfilter", "adbe.pkcs7.detached")));
                sig.setName("PDFBox foreign signer");
                sig.setReason(mode.equals("certify") ? "certify" : "approve");
                sig.setSignDate(Calendar.getInstance());
                if (mode.equals("certify")) setDocMdp(doc, sig, 2);
                else if (!mode.equals("approve")) throw new IllegalArgumentException("unknown mode " + mode);
                PrivateKey key = readKey(need(o, "key"));
                X509Certificate cert = readCertificate(need(o, "cert"));
                List<X509Certificate> chain = new ArrayList<>();
                chain.add(cert);
                chain.add(readCertificate(need(o, "chain")));
                boolean cades = "ETSI.CAdES.detached".equals(o.get("subfilter"));
                String alg = need(o, "alg");
                signer = content -> cms(readAll(content), key, cert, chain, alg, cades);
            }

            SignatureOptions options = new SignatureOptions();
            options.setPreferredSignatureSize(32768);
            doc.addSignature(sig, signer, options);
            try (OutputStream out = new FileOutputStream(need(o, "out"))) {
                doc.saveIncremental(out);
            }
        }
    }

    // A /DSS as ETSI EN 319 142-1 section 5.4 describes it, written with PDFBox's own objects and incremental save:
    // /Certs, /OCSPs and /CRLs arrays of streams, and a /VRI entry (key: uppercase hex SHA-1 of the
    // signature's /Contents) per signature. The revocation data itself comes from the caller.
    private static void addDss(Map<String, String> o) throws Exception {
        try (PDDocument doc = PDDocument.load(new File(need(o, "in")))) {
            COSDictionary catalog = doc.getDocumentCatalog().getCOSObject();
            COSBase old = catalog.getDictionaryObject(COSName.getPDFName("DSS"));
            COSDictionary dss = old instanceof COSDictionary ? (COSDictionary) old : new COSDictionary();
            dss.setItem(COSName.TYPE, COSName.getPDFName("DSS"));
            COSArray certs = streams(doc, dss, "Certs", o.get("certs"));
            COSArray ocsps = streams(doc, dss, "OCSPs", o.get("ocsps"));
            COSArray crls = streams(doc, dss, "CRLs", o.get("crls"));
            COSBase oldVri = dss.getDictionaryObject(COSName.getPDFName("VRI"));
            COSDictionary vri = oldVri instanceof COSDictionary ? (COSDictionary) oldVri : new COSDictionary();
            for (PDSignature sig : doc.getSignatureDictionaries()) {
                COSDictionary entry = new COSDictionary();
                entry.setItem(COSName.TYPE, COSName.getPDFName("VRI"));
                if (certs.size() > 0) entry.setItem(COSName.getPDFName("Cert"), copy(certs));
                if (ocsps.size() > 0) entry.setItem(COSName.getPDFName("OCSP"), copy(ocsps));
                if (crls.size() > 0) entry.setItem(COSName.getPDFName("CRL"), copy(crls));
                String key = hex(MessageDigest.getInstance("SHA-1").digest(sig.getContents()));
                vri.setItem(COSName.getPDFName(key), entry);
            }

            vri.setNeedToBeUpdated(true);
            dss.setItem(COSName.getPDFName("VRI"), vri);
            dss.setNeedToBeUpdated(true);
            catalog.setItem(COSName.getPDFName("DSS"), dss);
            catalog.setNeedToBeUpdated(true);
            try (OutputStream out = new FileOutputStream(need(o, "out"))) {
                doc.saveIncremental(out);
            }
        }
    }

    private static COSArray streams(PDDocument doc, COSDictionary dss, String key, String files) throws IOException {
        COSBase old = dss.getDictionaryObject(COSName.getPDFName(key));
        COSArray array = old instanceof COSArray ? (COSArray) old : new COSArray();
        if (files != null && !files.isEmpty()) {
            for (String path : files.split(",")) {
                COSStream stream = doc.getDocument().createCOSStream();
                try (OutputStream out = stream.createRawOutputStream()) {
                    out.write(Files.readAllBytes(new File(path).toPath()));
                }
                array.add(stream);
            }
        }

        array.setNeedToBeUpdated(true);
        if (array.size() > 0) dss.setItem(COSName.getPDFName(key), array);
        return array;
    }

    private static COSArray copy(COSArray items) {
        COSArray c = new COSArray();
        for (int i = 0; i < items.size(); i++) c.add(items.get(i));
        return c;
    }

    private static String hex(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (byte x : bytes) b.append(String.format("%02X", x));
        return b.toString();
    }

    private static String need(Map<String, String> o, String name) {
        String v = o.get(name);
        if (v == null) throw new IllegalArgumentException("missing " + name + "=");
        return v;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toByteArray();
    }

    private static PrivateKey readKey(String path) throws IOException {
        try (PEMParser p = new PEMParser(new FileReader(path))) {
            return new JcaPEMKeyConverter().setProvider("BC").getPrivateKey(PrivateKeyInfo.getInstance(p.readObject()));
        }
    }

    private static X509Certificate readCertificate(String path) throws Exception {
        try (InputStream in = Files.newInputStream(new File(path).toPath())) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    // DocMDP as ISO 32000-1 §12.8.2.2 describes it: a signature reference with TransformParams /P,
    // and the catalog's /Perms /DocMDP naming the signature dictionary.
    private static void setDocMdp(PDDocument doc, PDSignature sig, int permission) {
        COSDictionary params = new COSDictionary();
        params.setItem(COSName.TYPE, COSName.getPDFName("TransformParams"));
        params.setInt(COSName.P, permission);
        params.setName(COSName.V, "1.2");
        COSDictionary reference = new COSDictionary();
        reference.setItem(COSName.TYPE, COSName.getPDFName("SigRef"));
        reference.setItem(COSName.getPDFName("TransformMethod"), COSName.getPDFName("DocMDP"));
        reference.setItem(COSName.getPDFName("TransformParams"), params);
        COSArray references = new COSArray();
        references.add(reference);
        sig.getCOSObject().setItem(COSName.getPDFName("Reference"), references);
        COSDictionary perms = new COSDictionary();
        perms.setItem(COSName.getPDFName("DocMDP"), sig);
        doc.getDocumentCatalog().getCOSObject().setItem(COSName.getPDFName("Perms"), perms);
        doc.getDocumentCatalog().getCOSObject().setNeedToBeUpdated(true);
    }

    private static byte[] cms(byte[] content, PrivateKey key, X509Certificate cert, List<X509Certificate> chain, String alg, boolean cades) throws IOException {
        try {
            ContentSigner contentSigner = new JcaContentSignerBuilder(alg).setProvider("BC").build(key);
            JcaSignerInfoGeneratorBuilder builder = new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().setProvider("BC").build());
            if (cades) {
                // CAdES: ESS signing-certificate-v2 names the signer; PAdES forbids signing-time (the time is /M).
                byte[] certHash = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
                ESSCertIDv2 id = new ESSCertIDv2(new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256), certHash);
                Attribute ess = new Attribute(PKCSObjectIdentifiers.id_aa_signingCertificateV2, new DERSet(new SigningCertificateV2(new ESSCertIDv2[] {id})));
                AttributeTable table = new AttributeTable(new DERSet(ess));
                DefaultSignedAttributeTableGenerator defaults = new DefaultSignedAttributeTableGenerator(table);
                CMSAttributeTableGenerator withoutTime = parameters -> defaults.getAttributes(parameters).remove(CMSAttributes.signingTime);
                builder.setSignedAttributeGenerator(withoutTime);
            }

            CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
            generator.addSignerInfoGenerator(builder.build(contentSigner, cert));
            generator.addCertificates(new JcaCertStore(chain));
            return generator.generate(new CMSProcessableByteArray(content), false).getEncoded(ASN1Encoding.DER);
        } catch (Exception e) {
            throw new IOException("CMS signing failed: " + e.getMessage(), e);
        }
    }

    // An RFC 3161 token over the ByteRange bytes, issued by `openssl ts -reply` acting as the TSA.
    private static byte[] timestampToken(byte[] content, Map<String, String> o) throws IOException {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
            TimeStampRequestGenerator requestGenerator = new TimeStampRequestGenerator();
            requestGenerator.setCertReq(true);
            BigInteger nonce = new BigInteger(63, new SecureRandom());
            TimeStampRequest request = requestGenerator.generate(NISTObjectIdentifiers.id_sha256, digest, nonce);
            File dir = Files.createTempDirectory("pdfbox-tsa").toFile();
            File query = new File(dir, "q.tsq");
            File reply = new File(dir, "r.tsr");
            Files.write(query.toPath(), request.getEncoded());
            Process p = new ProcessBuilder("openssl", "ts", "-reply", "-config", need(o, "tsaconfig"), "-queryfile", query.getPath(),
                "-signer", need(o, "tsacert"), "-inkey", need(o, "tsakey"), "-chain", need(o, "tsachain"), "-out", reply.getPath())
                .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IOException("openssl ts -reply failed: " + log);
            TimeStampResponse response = new TimeStampResponse(Files.readAllBytes(reply.toPath()));
            response.validate(request);
            if (response.getTimeStampToken() == null) throw new IOException("the TSA granted no token: " + response.getStatusString());
            return response.getTimeStampToken().getEncoded();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("timestamping failed: " + e.getMessage(), e);
        }
    }
}
