// Credentials as they arrive in request headers: the Cookie header (RFC 6265 §4.2) and Authorization: Bearer
// (RFC 6750 §2.1). Pure and total: any bytes a client sends give an answer, never an exception.

/** Longer values are not ours: the hub's sealed session is ~1 kB, issuers' access tokens a few kB at most. */
export const MAX_CREDENTIAL_LENGTH = 8192;

/**
 * The value of cookie `name` in a Cookie header (the first one, as browsers send the most specific path first), or
 * undefined. Undecodable percent-encoding, quotes and oversized values give undefined: the hub never sets such a
 * cookie, so nothing a client can send that way authenticates anybody.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    if (raw.length === 0 || raw.length > MAX_CREDENTIAL_LENGTH) return undefined;
    return decodeOrUndefined(raw);
  }
  return undefined;
}

export type BearerCredential =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'invalid'; detail: 'malformed Authorization header' | 'several Authorization headers' | 'token too long' };

/** RFC 6750 §2.1: `Bearer 1*SP b64token`, b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The bearer token of a request, from every Authorization header it carries (`IncomingMessage.headers` keeps only
 * the first of several; a request with two is ambiguous and refused).
 */
export function readBearer(values: readonly string[]): BearerCredential {
  if (values.length === 0) return { kind: 'none' };
  if (values.length > 1) return { kind: 'invalid', detail: 'several Authorization headers' };
  const match = BEARER.exec(values[0]!);
  if (!match) return { kind: 'invalid', detail: 'malformed Authorization header' };
  const token = match[1]!;
  return token.length > MAX_CREDENTIAL_LENGTH
    ? { kind: 'invalid', detail: 'token too long' }
    : { kind: 'bearer', token };
}

/** Every value of header `name` in Node's `rawHeaders` (name, value, name, value, …), in order. */
export function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!);
  return values;
}

function decodeOrUndefined(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
