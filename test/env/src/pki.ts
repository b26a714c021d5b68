import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface CertificateAuthority {
  certPath: string;
  keyPath: string;
  pem: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** One CA per environment: it signs every API server's serving certificate, so one caPem trusts all clusters. */
export function createCertificateAuthority(dir: string): CertificateAuthority {
  mkdirSync(dir, { recursive: true });
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  if (!existsSync(certPath)) {
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '30',
        '-subj',
        '/CN=kmm-hub-test-ca',
      ],
      dir,
    );
  }
  return { certPath, keyPath, pem: readFileSync(certPath, 'utf8') };
}

/** 159 random bits with the top bit clear: a positive serial, unique across processes without shared state. */
function randomSerial(): string {
  const bytes = randomBytes(20);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

/** A serving certificate for 127.0.0.1 and localhost, signed by the environment's CA. */
export function createServingCert(
  ca: CertificateAuthority,
  dir: string,
  name: string,
): { certPath: string; keyPath: string } {
  return signCert(
    ca,
    dir,
    name,
    `/CN=${name}`,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
}

/**
 * A client certificate the API servers accept: the common name is the user, each organisation a group (as
 * Kubernetes' x509 authenticator reads them).
 */
export function createClientCert(
  ca: CertificateAuthority,
  dir: string,
  user: string,
  groups: string[] = [],
): { certPath: string; keyPath: string } {
  const subject = `${groups.map((g) => `/O=${g}`).join('')}/CN=${user}`;
  return signCert(ca, dir, user.replaceAll(/[^-\w.]/g, '_'), subject, 'extendedKeyUsage=clientAuth\n');
}

function signCert(
  ca: CertificateAuthority,
  dir: string,
  name: string,
  subject: string,
  extensions: string,
): { certPath: string; keyPath: string } {
  mkdirSync(dir, { recursive: true });
  const keyPath = join(dir, `${name}.key`);
  const csrPath = join(dir, `${name}.csr`);
  const certPath = join(dir, `${name}.crt`);
  const extPath = join(dir, `${name}.ext`);
  writeFileSync(extPath, extensions);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', csrPath, '-subj', subject], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csrPath,
      '-CA',
      ca.certPath,
      '-CAkey',
      ca.keyPath,
      // A random serial rather than -CAcreateserial: test workers sign certificates at the same time, and a
      // shared ca.srl file read while another openssl rewrites it fails ("Unable to load number").
      '-set_serial',
      `0x${randomSerial()}`,
      '-out',
      certPath,
      '-days',
      '30',
      '-extfile',
      extPath,
    ],
    dir,
  );
  return { certPath, keyPath };
}

/** The key pair an API server signs and verifies service-account tokens with. */
export function createServiceAccountKeys(dir: string, name: string): { publicKeyPath: string; privateKeyPath: string } {
  mkdirSync(dir, { recursive: true });
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPath = join(dir, `${name}-sa.pub`);
  const privateKeyPath = join(dir, `${name}-sa.key`);
  writeFileSync(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return { publicKeyPath, privateKeyPath };
}
