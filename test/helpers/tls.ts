// A private certificate authority made at test time (node's crypto for the keys, node-forge to sign, all
// SHA-256 and 2048-bit, which OpenSSL 3 accepts at its default security level): a server certificate for
// 127.0.0.1 and localhost, and a client certificate for mutual TLS. Plus a loopback https server.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

export interface TestPki {
  /** The CA certificate (PEM): what a client trusts. */
  ca: string;
  server: { cert: string; key: string };
  client: { cert: string; key: string };
}

function keyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), pem };
}

function certificate(
  subject: string,
  publicKey: forge.pki.PublicKey,
  issuer: { name: string; key: forge.pki.rsa.PrivateKey },
  extensions: object[],
  serial: string,
): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setIssuer([{ name: 'commonName', value: issuer.name }]);
  cert.setExtensions(extensions);
  cert.sign(issuer.key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A fresh CA with one server and one client certificate. */
export function makePki(): TestPki {
  const ca = keyPair();
  const caName = 'tapedeck test CA';
  const issuer = { name: caName, key: ca.privateKey };
  const caCert = certificate(caName, ca.publicKey, issuer, [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }], '01');
  const server = keyPair();
  const serverCert = certificate('localhost', server.publicKey, issuer, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
  ], '02');
  const client = keyPair();
  const clientCert = certificate('agent-under-test', client.publicKey, issuer, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', clientAuth: true },
  ], '03');
  return { ca: caCert, server: { cert: serverCert, key: server.pem }, client: { cert: clientCert, key: client.pem } };
}

export interface TlsServer {
  url: string;
  hits: () => number;
  close: () => Promise<void>;
}

/**
 * An https server on 127.0.0.1 answering JSON `{ path, client, n }`: the path asked, the common name of
 * the client certificate (null without one) and a running count. With `requireClientCert`, a client
 * without a certificate from the CA is refused during the handshake.
 */
export async function startTlsServer(pki: TestPki, requireClientCert = false): Promise<TlsServer> {
  let hits = 0;
  const options: ServerOptions = { cert: pki.server.cert, key: pki.server.key, ca: pki.ca, requestCert: requireClientCert, rejectUnauthorized: requireClientCert };
  const server = createServer(options, (req, res) => {
    hits++;
    const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url, client: peer.subject?.CN ?? null, n: hits }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
