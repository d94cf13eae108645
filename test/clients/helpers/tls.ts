// A self-signed certificate for 127.0.0.1 made at run time with the openssl command, which every
// client then trusts through its own CA setting (never by turning verification off).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { runOk } from './run.js';

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  certPem: string;
}

/**
 * An ECDSA P-256 certificate valid for a day, for IP 127.0.0.1 and localhost. The names are in
 * subjectAltName because Go (rclone) and Python's ssl ignore the common name; CA:FALSE because
 * it is a server certificate that each client trusts directly as an anchor.
 */
export async function makeSelfSignedCert(dir: string): Promise<TestCertificate> {
  const certFile = join(dir, 'coffer-cert.pem');
  const keyFile = join(dir, 'coffer-key.pem');
  await runOk(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-addext',
      'keyUsage=critical,digitalSignature',
      '-addext',
      'extendedKeyUsage=serverAuth',
    ],
    { timeoutMs: 30_000 },
  );
  return { certFile, keyFile, certPem: await readFile(certFile, 'utf8') };
}

/**
 * Node's fetch() takes no CA option of its own: add the certificate to this process's default CA
 * list (next to the bundled roots) so fetch() of a presigned https URL verifies it.
 * https://nodejs.org/api/tls.html#tlssetdefaultcacertificatescerts
 */
export function trustInThisProcess(cert: TestCertificate): void {
  setDefaultCACertificates([...getCACertificates('default'), cert.certPem]);
}
