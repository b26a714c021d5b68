// `WWW-Authenticate` challenges (RFC 9110 §11.6.1): `Bearer realm="…",service="…",scope="…"`, `Basic realm="…"`.
// Several challenges may share one header value, as fetch joins repeated headers with ", ".

export interface AuthChallenge {
  /** Lower-case scheme: `bearer`, `basic`. */
  scheme: string;
  /** Parameters with lower-case names; quoted values unescaped. */
  params: Record<string, string>;
  token68?: string;
}

export interface BearerChallenge {
  realm: string;
  service?: string;
  scope?: string;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const skip = (chars: RegExp): void => {
    while (i < header.length && chars.test(header.charAt(i))) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < header.length && TOKEN_CHAR.test(header.charAt(i))) i++;
    return header.slice(start, i);
  };
  // Unquoted values should be tokens; registries seen in the wild also leave URLs unquoted, so read to a comma.
  const readBare = (): string => {
    const start = i;
    while (i < header.length && !/[\s,]/.test(header.charAt(i))) i++;
    return header.slice(start, i);
  };
  const readQuoted = (): string => {
    let value = '';
    i++; // opening quote
    while (i < header.length) {
      const c = header.charAt(i);
      if (c === '\\' && i + 1 < header.length) {
        value += header.charAt(i + 1);
        i += 2;
      } else if (c === '"') {
        i++;
        return value;
      } else {
        value += c;
        i++;
      }
    }
    return value; // unterminated: take what is there
  };
  // True when the text at `at` is `token BWS =` but not a token68 such as `abc==`.
  const isParamAhead = (at: number): boolean => {
    const rest = header.slice(at);
    const m = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=/.exec(rest);
    if (!m) return false;
    const token68 = TOKEN68.exec(rest);
    if (token68 && /^[ \t]*(,|$)/.test(rest.slice(token68[0].length))) return false;
    return true;
  };

  while (i < header.length) {
    skip(/[\s,]/);
    if (i >= header.length) break;
    const scheme = readToken();
    if (scheme.length === 0) {
      i++; // not a token character: skip it rather than loop forever
      continue;
    }
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    skip(/[ \t]/);

    const token68 = TOKEN68.exec(header.slice(i));
    if (token68 && /^[ \t]*(,|$)/.test(header.slice(i + token68[0].length)) && !isParamAhead(i)) {
      challenge.token68 = token68[0];
      i += token68[0].length;
      continue;
    }
    while (i < header.length && isParamAhead(i)) {
      const name = readToken().toLowerCase();
      skip(/[ \t]/);
      i++; // "="
      skip(/[ \t]/);
      const value = header.charAt(i) === '"' ? readQuoted() : readBare();
      challenge.params[name] = value;
      skip(/[ \t]/);
      if (header.charAt(i) !== ',') break;
      // A comma either separates parameters or starts the next challenge.
      let next = i + 1;
      while (next < header.length && /[\s,]/.test(header.charAt(next))) next++;
      if (!isParamAhead(next)) break;
      i = next;
    }
  }
  return challenges;
}

/** The first Bearer challenge with a realm, or undefined. */
export function findBearerChallenge(challenges: AuthChallenge[]): BearerChallenge | undefined {
  const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params['realm']);
  if (bearer === undefined) return undefined;
  const out: BearerChallenge = { realm: bearer.params['realm'] ?? '' };
  if (bearer.params['service'] !== undefined) out.service = bearer.params['service'];
  if (bearer.params['scope'] !== undefined) out.scope = bearer.params['scope'];
  return out;
}
