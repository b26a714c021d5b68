// Pure: what must-gather writes passes through here first, so no secret leaves the cluster in a support archive.
// Objects: Secret-shaped data and secret-named fields are replaced; text (logs, event messages, status messages):
// credentials in the forms they take in URLs, headers, JSON and PEM are replaced.
export const REDACTED = '<redacted>';

/** Field names whose string values are credentials (case-insensitive, anywhere in the name). */
const SECRET_FIELD =
  /pass(word|wd|phrase)?|secret|token|credential|cookie|private|apikey|api_key|auth$|^auth|dockerconfig/i;
/** Field names that only name or point to a secret, never hold one: kept, a reader needs them. */
const SECRET_REFERENCE = /(secret|token)[a-z]*(name|ref|namespace)s?$/i;

/** Field values in an object: env entries, Secret data, and secret-named string fields are replaced. */
export function redactObject(value: unknown): unknown {
  return walk(value);
}

function walk(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return isSecretField(key) ? REDACTED : redactText(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, key));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (obj['kind'] === 'Secret' && (k === 'data' || k === 'stringData')) out[k] = redactValues(v);
    // A container env entry: {name, value}; the name says whether the value is a credential.
    else if (k === 'value' && typeof v === 'string' && typeof obj['name'] === 'string' && isSecretName(obj['name']))
      out[k] = REDACTED;
    else out[k] = walk(v, k);
  }
  return out;
}

function redactValues(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return REDACTED;
  return Object.fromEntries(Object.keys(v).map((k) => [k, REDACTED]));
}

function isSecretField(key: string): boolean {
  return key !== '' && SECRET_FIELD.test(key) && !SECRET_REFERENCE.test(key);
}

/** Env names such as OIDC_CLIENT_SECRET, REDIS_PASSWORD, API_TOKEN (and REDIS_URL, which may carry a password). */
function isSecretName(name: string): boolean {
  return SECRET_FIELD.test(name.replaceAll('_', ''));
}

const TEXT_RULES: [RegExp, string][] = [
  // PEM blocks (keys, certificates are public but keys are not: drop every block).
  [/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g, REDACTED],
  // user:password@ in URLs (redis://:pw@host, https://u:pw@registry).
  [/([a-z][a-z0-9+.-]*:\/\/)[^\s/@:"']*:[^\s/@"']*@/gi, `$1${REDACTED}@`],
  // Authorization headers and bearer/basic credentials.
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  // JWTs anywhere (three base64url segments, the first a JSON header).
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // key=value and "key": "value" pairs whose key names a credential.
  [
    /("?[A-Za-z0-9_.-]*(?:password|passwd|secret|token|credential|cookie|apikey|api_key)[A-Za-z0-9_.-]*"?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&}]+)/gi,
    `$1"${REDACTED}"`,
  ],
];

/** Credentials in free text: PEM blocks, URL user info, bearer/basic credentials, JWTs, secret-named pairs. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TEXT_RULES) out = out.replace(pattern, replacement);
  return out;
}
