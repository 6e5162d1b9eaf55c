// X.509 certificates for paymock's CA and the per-host leaves it mints. The only module that
// imports node-forge: forge builds the certificate structure, and node:crypto signs it, because
// forge's pure-JS RSA takes over 100 ms a signature and a first handshake must stay well under 50 ms.
import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

const DAY = 24 * 60 * 60 * 1000;
/** Browsers and Apple platforms refuse TLS leaves valid for more than 825 days. */
const LEAF_DAYS = 365;
const CA_YEARS = 10;

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f; // a positive INTEGER
  return bytes.toString('hex');
}

// Present in node-forge's x509.js since 0.7, absent from its type definitions.
const { getTBSCertificate } = forge.pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 };

function signWith(cert: forge.pki.Certificate, key: KeyObject): string {
  // What forge's cert.sign() does, with the RSA operation done natively.
  const oid = forge.pki.oids.sha256WithRSAEncryption!;
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  cert.tbsCertificate = getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = sign('sha256', tbs, key).toString('binary');
  return forge.pki.certificateToPem(cert);
}

export interface CaSubject {
  readonly commonName: string;
}

/** A self-signed CA certificate for `publicKeyPem`, signed by `privateKeyPem`. */
export function createCaCertificate(publicKeyPem: string, privateKeyPem: string, subject: CaSubject): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = new Date(Date.now() + CA_YEARS * 365 * DAY);
  const attributes = [
    { name: 'commonName', value: subject.commonName },
    { name: 'organizationName', value: 'paymock (local testing CA, never trust in production)' },
  ];
  cert.setSubject(attributes);
  cert.setIssuer(attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  return signWith(cert, createPrivateKey(privateKeyPem));
}

/** Mints server certificates for hosts (DNS names or IP addresses), all for one key, issued by one CA. */
export type LeafIssuer = (host: string) => string;

/**
 * What every leaf shares (the CA's name and key identifier, the leaf public key) is parsed once
 * here, not per host: parsing them in forge's JavaScript was a third of each mint.
 */
export function createLeafIssuer(leafPublicKeyPem: string, caCertPem: string, caKey: KeyObject): LeafIssuer {
  const ca = forge.pki.certificateFromPem(caCertPem);
  const issuer = ca.subject.attributes;
  const caKeyId = ca.generateSubjectKeyIdentifier().getBytes();
  const publicKey = forge.pki.publicKeyFromPem(leafPublicKeyPem);
  return (host) => {
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = serialNumber();
    cert.validity.notBefore = new Date(Date.now() - DAY);
    cert.validity.notAfter = new Date(Date.now() + LEAF_DAYS * DAY);
    cert.setSubject([{ name: 'commonName', value: host }]);
    cert.setIssuer(issuer);
    const altName = isIP(host) ? { type: 7, ip: host } : { type: 2, value: host };
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [altName] },
      { name: 'authorityKeyIdentifier', keyIdentifier: caKeyId },
    ]);
    return signWith(cert, caKey);
  };
}
