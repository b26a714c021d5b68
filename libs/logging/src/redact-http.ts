// What an HTTP log line may show of a request or response. Credentials travel in headers (Authorization, Cookie,
// Set-Cookie, API keys) and in URLs (the OAuth 2.0 authorization response puts `code` and `state` in the callback's
// query, RFC 6749 §4.1.2; redirects to an issuer carry `state` and `nonce`), so both are rewritten before a line is
// written, whichever direction the message goes. Pure: no I/O, never throws on malformed input.

export const REDACTED = '[redacted]';

/**
 * Header names that carry credentials, by part of the name so that vendor variants (`x-api-key`, `x-auth-token`,
 * `x-amz-security-token`, `x-csrf-token`) are covered without listing each one.
 */
const CREDENTIAL_HEADER = /auth|cookie|token|secret|passw|api[-_]?key|session|credential|signature|csrf|xsrf/i;
/** Headers whose value is a URL: kept, with secret query parameters and userinfo passwords redacted. */
const URL_HEADERS = new Set(['referer', 'location', 'content-location', 'refresh']);
/** Query parameters that carry credentials: OAuth 2.0 / OIDC (RFC 6749, https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest) and common ones. */
const SECRET_PARAMS = new Set([
  'code',
  'state',
  'session_state',
  'nonce',
  'code_verifier',
  'id_token_hint',
  'logout_token',
  'assertion',
  'client_assertion',
  'sig',
  'jwt',
  'ticket',
]);
const SECRET_PARAM = /token|secret|passw|api[-_]?key|credential|signature|session|auth/i;

export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}

export function isSecretQueryParameter(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_PARAMS.has(lower) || SECRET_PARAM.test(lower);
}

/**
 * `url` (absolute or a request target such as `/auth/callback?code=…`) with every secret query parameter's value
 * and any userinfo password replaced. The rest of the text is kept byte for byte, malformed encoding included.
 */
export function redactUrl(url: string): string {
  const hash = url.indexOf('#');
  const beforeHash = hash === -1 ? url : url.slice(0, hash);
  // A fragment never reaches a server, but a Location or Referer may carry one (implicit flow tokens).
  const fragment = hash === -1 ? '' : `#${redactParams(url.slice(hash + 1))}`;
  const question = beforeHash.indexOf('?');
  const base = redactUserinfo(question === -1 ? beforeHash : beforeHash.slice(0, question));
  const query = question === -1 ? '' : `?${redactParams(beforeHash.slice(question + 1))}`;
  return base + query + fragment;
}

/** A copy of `headers` (Node's lower-case header object) safe to log. */
export function redactHeaders(headers: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (isCredentialHeader(name)) out[name] = REDACTED;
    else if (URL_HEADERS.has(name.toLowerCase())) out[name] = mapStrings(value, redactUrl);
    else out[name] = value;
  }
  return out;
}

/** A copy of a parsed query object (`req.query`) with secret parameters' values replaced. */
export function redactQuery(query: unknown): unknown {
  if (query === null || typeof query !== 'object') return query;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(query)) out[name] = isSecretQueryParameter(name) ? REDACTED : value;
  return out;
}

function redactParams(params: string): string {
  return params
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      return isSecretQueryParameter(safeDecode(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
}

function redactUserinfo(base: string): string {
  return base.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#@]*@/i, `$1:${REDACTED}@`);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? f(v) : v));
  return value;
}
