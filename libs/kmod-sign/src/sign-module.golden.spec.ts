// Golden test against the real kernel tools: scripts/sign-file (Debian package linux-kbuild-<ver>, pulled in by
// linux-headers-amd64), modinfo (kmod) and openssl. Keys are made with openssl at test time; the module is a real
// .ko from /usr/lib/modules or, when there is none, built from test/fixtures against the installed headers.
// A missing tool fails every test with the package to install. Setup runs inside the tests, not in beforeAll,
// because vitest reports the tests of a failed beforeAll as skipped.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { assembleSignedModule } from './assemble-signed-module.js';
import { encodeModuleSignatureTrailer } from './module-signature-trailer.js';
import { HASH_ALGORITHMS, type HashAlgorithm } from './oid.js';
import { parseModuleSignature } from './parse-module-signature.js';
import { signModule } from './sign-module.js';
import { stripModuleSignature } from './strip-module-signature.js';
import { VerifyFailureReason, verifyModuleSignature } from './verify-module-signature.js';

const APT_INSTALL = 'apt-get install -y --no-install-recommends';
const FIXTURE_MODULE = fileURLToPath(new URL('../test/fixtures/hello-module/', import.meta.url));
const COMMON_NAME = 'KMM-Hub test signing key';

const KEY_TYPES = {
  'RSA-2048': '-newkey rsa:2048',
  'RSA-4096': '-newkey rsa:4096',
  'ECDSA P-256': '-newkey ec -pkeyopt ec_paramgen_curve:P-256',
  'ECDSA P-384': '-newkey ec -pkeyopt ec_paramgen_curve:P-384',
} as const;
type KeyType = keyof typeof KEY_TYPES;

// As in the kernel's Documentation/admin-guide/module-signing.rst.
const GENKEY_CONFIG = `[ req ]
distinguished_name = req_distinguished_name
prompt = no
string_mask = utf8only
x509_extensions = myexts
[ req_distinguished_name ]
O = KMM-Hub
CN = ${COMMON_NAME}
emailAddress = kmm@example.invalid
[ myexts ]
basicConstraints=critical,CA:FALSE
keyUsage=digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
`;

const words = (text: string) => text.split(' ');

function byVersionDescending(a: string, b: string): number {
  return b.localeCompare(a, 'en', { numeric: true });
}

function run(file: string, args: string[], env?: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${file} ${args.join(' ')} failed: ${stderr}`, { cause: error });
  }
}

interface Tools {
  signFile: string;
  modinfo: string;
  openssl: string;
}

function findTools(): Tools {
  const signFile = readdirSync('/usr/lib')
    .filter((name) => name.startsWith('linux-kbuild-'))
    .toSorted(byVersionDescending)
    .map((name) => join('/usr/lib', name, 'scripts', 'sign-file'))
    .find((path) => existsSync(path));
  if (signFile === undefined) {
    throw new Error(
      `sign-file not found at /usr/lib/linux-kbuild-*/scripts/sign-file: ${APT_INSTALL} linux-headers-amd64 (brings linux-kbuild-<ver>)`,
    );
  }
  const modinfo = ['/usr/sbin/modinfo', '/sbin/modinfo', '/usr/bin/modinfo', '/bin/modinfo'].find(existsSync);
  if (modinfo === undefined) throw new Error(`modinfo not found: ${APT_INSTALL} kmod`);
  const openssl = ['/usr/bin/openssl', '/bin/openssl', '/usr/local/bin/openssl'].find(existsSync);
  if (openssl === undefined) throw new Error(`openssl not found: ${APT_INSTALL} openssl`);
  return { signFile, modinfo, openssl };
}

/** The first plain .ko below /usr/lib/modules, without following symlinks (`build` points at the headers). */
function findInstalledModule(): string | undefined {
  const pending = existsSync('/usr/lib/modules') ? ['/usr/lib/modules'] : [];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isFile() && entry.name.endsWith('.ko')) return path;
      if (entry.isDirectory()) pending.push(path);
    }
  }
  return undefined;
}

function buildFixtureModule(workDir: string): string {
  const headers = readdirSync('/usr/src')
    .filter((name) => name.startsWith('linux-headers-') && existsSync(join('/usr/src', name, 'Module.symvers')))
    .toSorted(byVersionDescending)[0];
  if (headers === undefined) {
    throw new Error(`no kernel headers with Module.symvers in /usr/src: ${APT_INSTALL} linux-headers-amd64 make`);
  }
  const dir = join(workDir, 'module');
  cpSync(FIXTURE_MODULE, dir, { recursive: true });
  run('make', ['-C', join('/usr/src', headers), `M=${dir}`, 'modules']);
  return join(dir, 'kmm_hub_hello.ko');
}

interface TestKey {
  dir: string;
  keyPemPath: string;
  certDerPath: string;
  certPemPath: string;
  keyPem: string;
  certDer: Buffer;
  certPem: string;
  /** The certificate serial as modinfo prints `sig_key`. */
  serial: string;
}

async function newKey(openssl: string, workDir: string, type: KeyType): Promise<TestKey> {
  const exec = promisify(execFile);
  const dir = join(workDir, type.replace(/\W/g, '_'));
  const keyPemPath = join(dir, 'key.pem');
  const certDerPath = join(dir, 'cert.der');
  const certPemPath = join(dir, 'cert.pem');
  mkdirSync(dir);
  writeFileSync(join(dir, 'x509.genkey'), GENKEY_CONFIG);
  const req = words(`req -new -nodes -utf8 -sha256 -days 36500 -batch -x509 -outform DER ${KEY_TYPES[type]}`);
  await exec(openssl, req.concat('-config', join(dir, 'x509.genkey'), '-out', certDerPath, '-keyout', keyPemPath));
  await exec(openssl, ['x509', '-inform', 'DER', '-in', certDerPath, '-out', certPemPath]);
  const { stdout } = await exec(openssl, ['x509', '-in', certPemPath, '-noout', '-serial']);
  return {
    dir,
    keyPemPath,
    certDerPath,
    certPemPath,
    keyPem: readFileSync(keyPemPath, 'utf8'),
    certDer: readFileSync(certDerPath),
    certPem: readFileSync(certPemPath, 'utf8'),
    serial: stdout.trim().replace('serial=', '').match(/../g)?.join(':') ?? '',
  };
}

/** Tools, a scratch directory, the module and the keys; every helper a test needs. */
class GoldenBench {
  private outputs = 0;

  private constructor(
    readonly tools: Tools,
    readonly workDir: string,
    readonly modulePath: string,
    readonly unsigned: Buffer,
    readonly unsignedPath: string,
    private readonly keys: ReadonlyMap<KeyType, TestKey>,
  ) {}

  static async create(workDir: string): Promise<GoldenBench> {
    const tools = findTools();
    const modulePath = findInstalledModule() ?? buildFixtureModule(workDir);
    const unsigned = stripModuleSignature(readFileSync(modulePath));
    const unsignedPath = join(workDir, 'unsigned.ko');
    writeFileSync(unsignedPath, unsigned);
    const types = Object.keys(KEY_TYPES) as KeyType[];
    const keys = await Promise.all(types.map((type) => newKey(tools.openssl, workDir, type)));
    const keyMap = new Map(types.map((type, i) => [type, keys[i]!]));
    return new GoldenBench(tools, workDir, modulePath, unsigned, unsignedPath, keyMap);
  }

  key(type: KeyType): TestKey {
    const key = this.keys.get(type);
    if (key === undefined) throw new Error(`no ${type} key`);
    return key;
  }

  write(bytes: Buffer, suffix = 'ko'): string {
    const path = join(this.workDir, `out-${++this.outputs}.${suffix}`);
    writeFileSync(path, bytes);
    return path;
  }

  signFile(args: string[], env?: NodeJS.ProcessEnv): Buffer {
    const out = join(this.workDir, `sign-file-${++this.outputs}.ko`);
    run(this.tools.signFile, [...args, out], env);
    return readFileSync(out);
  }

  modinfoSignature(bytes: Buffer): Record<'signer' | 'sig_key' | 'sig_hashalgo', string> {
    const path = this.write(bytes);
    const field = (name: string) => run(this.tools.modinfo, ['-F', name, path]).trim();
    return { signer: field('signer'), sig_key: field('sig_key'), sig_hashalgo: field('sig_hashalgo') };
  }

  /** `openssl cms -verify` of the appended PKCS#7 against the unsigned module; throws when it fails. */
  opensslVerify(signed: Buffer, key: TestKey): void {
    const parsed = parseModuleSignature(signed);
    if (!parsed.signed) throw new Error('module is not signed');
    const p7 = this.write(parsed.signature.pkcs7, 'p7s');
    const args = words('cms -verify -binary -inform DER -nointern -noverify -out /dev/null');
    run(this.tools.openssl, args.concat('-in', p7, '-content', this.unsignedPath, '-certfile', key.certPemPath));
  }
}

function signatureValue(signed: Buffer): Buffer {
  const parsed = parseModuleSignature(signed);
  if (!parsed.signed) throw new Error('module is not signed');
  return parsed.signature.signature;
}

const cases = <T extends KeyType>(types: T[]) =>
  types.flatMap((type) => HASH_ALGORITHMS.map((hash): { type: T; hash: HashAlgorithm } => ({ type, hash })));

describe('signModule against the kernel sign-file', { timeout: 120_000 }, () => {
  let workDir: string | undefined;
  let bench: Promise<GoldenBench> | undefined;
  const golden = () => (bench ??= GoldenBench.create((workDir = mkdtempSync(join(tmpdir(), 'kmod-sign-golden-')))));

  afterAll(() => {
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  it.each(cases(['RSA-2048', 'RSA-4096']))('$type $hash: writes the bytes sign-file writes', async ({ type, hash }) => {
    const g = await golden();
    const key = g.key(type);
    const expected = g.signFile([hash, key.keyPemPath, key.certDerPath, g.unsignedPath]);

    const sut = signModule(readFileSync(g.modulePath), { keyPem: key.keyPem, certDer: key.certDer, hash });

    const tail = (bytes: Buffer) => bytes.subarray(g.unsigned.length).toString('hex');
    expect(tail(sut)).toBe(tail(expected));
    expect(sut.equals(expected)).toBe(true);
    const modinfo = g.modinfoSignature(sut);
    expect(modinfo).toEqual(g.modinfoSignature(expected));
    expect(modinfo).toEqual({ signer: COMMON_NAME, sig_key: key.serial, sig_hashalgo: hash });
    expect(parseModuleSignature(sut)).toMatchObject({
      signed: true,
      signature: { signer: modinfo.signer, keyId: modinfo.sig_key, hashAlgorithm: modinfo.sig_hashalgo },
    });
    expect(verifyModuleSignature(expected, { certPem: key.certPem })).toMatchObject({ ok: true });
    g.opensslVerify(sut, key);
  });

  it.each(cases(['ECDSA P-256', 'ECDSA P-384']))(
    '$type $hash: writes the structure sign-file writes around a valid signature',
    async ({ type, hash }) => {
      const g = await golden();
      const key = g.key(type);
      const expected = g.signFile([hash, key.keyPemPath, key.certDerPath, g.unsignedPath]);

      const sut = signModule(readFileSync(g.modulePath), { keyPem: key.keyPem, certDer: key.certDer, hash });

      // ECDSA signatures are randomized. Around sign-file's signature value our encoding is byte-identical,
      // and signModule's output is that same encoding around its own signature value.
      const rebuild = (signature: Buffer) =>
        assembleSignedModule(g.unsigned, { certDer: key.certDer, hash, signature });
      expect(rebuild(signatureValue(expected)).equals(expected)).toBe(true);
      expect(rebuild(signatureValue(sut)).equals(sut)).toBe(true);
      expect(verifyModuleSignature(sut, { certPem: key.certPem })).toMatchObject({ ok: true });
      expect(verifyModuleSignature(expected, { certPem: key.certPem })).toMatchObject({ ok: true });
      g.opensslVerify(sut, key);
      const modinfo = g.modinfoSignature(sut);
      expect(modinfo).toEqual(g.modinfoSignature(expected));
      expect(modinfo).toEqual({ signer: COMMON_NAME, sig_key: key.serial, sig_hashalgo: hash });
    },
  );

  it.each(['RSA-2048', 'ECDSA P-256'] as const)(
    '%s: names the signer by subject key identifier as sign-file -k does',
    async (type) => {
      const g = await golden();
      const key = g.key(type);
      const expected = g.signFile(['-k', 'sha256', key.keyPemPath, key.certDerPath, g.unsignedPath]);
      const skid = run(g.tools.openssl, [...words('x509 -noout -ext subjectKeyIdentifier -in'), key.certPemPath])
        .split('\n')[1]
        ?.trim();

      const sut = signModule(g.unsigned, {
        keyPem: key.keyPem,
        certPem: key.certPem,
        signerIdentifier: 'subjectKeyIdentifier',
      });

      expect(parseModuleSignature(expected)).toMatchObject({ signed: true, signature: { keyId: skid, signer: null } });
      const rebuilt = assembleSignedModule(g.unsigned, {
        certPem: key.certPem,
        signerIdentifier: 'subjectKeyIdentifier',
        signature: signatureValue(expected),
      });
      expect(rebuilt.equals(expected)).toBe(true);
      if (type === 'RSA-2048') expect(sut.equals(expected)).toBe(true);
      expect(verifyModuleSignature(sut, { certPem: key.certPem })).toMatchObject({ ok: true });
      expect(verifyModuleSignature(expected, { certPem: key.certPem })).toMatchObject({ ok: true });
      // kmod reads only issuer-and-serial signers, so modinfo shows no signature fields for either.
      expect(g.modinfoSignature(sut)).toEqual(g.modinfoSignature(expected));
    },
  );

  it('re-signs a module that sign-file signed twice like sign-file signs the unsigned module', async () => {
    const g = await golden();
    const key = g.key('RSA-2048');
    const once = g.signFile(['sha256', key.keyPemPath, key.certDerPath, g.unsignedPath]);
    const twice = g.signFile(['sha256', key.keyPemPath, key.certDerPath, g.write(once)]);

    const sut = signModule(twice, { keyPem: key.keyPem, certPem: key.certPem });

    expect(twice.length).toBeGreaterThan(once.length);
    expect(stripModuleSignature(twice).equals(g.unsigned)).toBe(true);
    expect(sut.equals(once)).toBe(true);
  });

  it.each([
    { type: 'RSA-2048', convert: 'rsa -traditional' },
    { type: 'ECDSA P-384', convert: 'ec' },
  ] as const)('$type: reads PKCS#1/SEC1 keys as PEM and DER, and PEM certificates', async ({ type, convert }) => {
    const g = await golden();
    const key = g.key(type);
    const traditionalPem = join(key.dir, 'key.traditional.pem');
    const traditionalDer = join(key.dir, 'key.traditional.der');
    run(g.tools.openssl, [...words(convert), '-in', key.keyPemPath, '-out', traditionalPem]);
    run(g.tools.openssl, [...words(convert), '-in', key.keyPemPath, '-outform', 'DER', '-out', traditionalDer]);
    const expected = g.signFile(['sha384', traditionalPem, key.certPemPath, g.unsignedPath]);

    const fromPem = signModule(g.unsigned, {
      keyPem: readFileSync(traditionalPem, 'utf8'),
      certPem: key.certPem,
      hash: 'sha384',
    });
    const fromDer = signModule(g.unsigned, {
      keyDer: readFileSync(traditionalDer),
      certPem: key.certPem,
      hash: 'sha384',
    });

    for (const sut of [fromPem, fromDer]) {
      if (type === 'RSA-2048') expect(sut.equals(expected)).toBe(true);
      expect(verifyModuleSignature(sut, { certPem: key.certPem })).toMatchObject({ ok: true });
    }
    expect(readFileSync(traditionalPem, 'utf8')).toMatch(/^-----BEGIN (RSA|EC) PRIVATE KEY-----/);
  });

  it('reads an encrypted key with the passphrase sign-file takes from KBUILD_SIGN_PIN', async () => {
    const g = await golden();
    const key = g.key('RSA-2048');
    const encrypted = join(key.dir, 'key.encrypted.pem');
    run(g.tools.openssl, [...words('pkey -aes256 -passout pass:kmm-pin -in'), key.keyPemPath, '-out', encrypted]);
    const expected = g.signFile(['sha256', encrypted, key.certDerPath, g.unsignedPath], {
      ...process.env,
      KBUILD_SIGN_PIN: 'kmm-pin',
    });

    const sut = signModule(g.unsigned, {
      keyPem: readFileSync(encrypted, 'utf8'),
      passphrase: 'kmm-pin',
      certPem: key.certPem,
    });

    expect(sut.equals(expected)).toBe(true);
  });

  it('rejects a signature with signed attributes (openssl cms without -noattr) as the kernel does', async () => {
    const g = await golden();
    const key = g.key('RSA-2048');
    const p7 = join(g.workDir, 'with-attributes.p7s');
    const args = words('cms -sign -binary -nocerts -outform DER -md sha256');
    run(
      g.tools.openssl,
      args.concat('-signer', key.certPemPath, '-inkey', key.keyPemPath, '-in', g.unsignedPath, '-out', p7),
    );
    const pkcs7 = readFileSync(p7);
    const signed = Buffer.concat([g.unsigned, pkcs7, encodeModuleSignatureTrailer(pkcs7.length)]);

    const sut = verifyModuleSignature(signed, { certPem: key.certPem });

    expect(sut).toMatchObject({ ok: false, reason: VerifyFailureReason.UnsupportedSignature });
  });
});
