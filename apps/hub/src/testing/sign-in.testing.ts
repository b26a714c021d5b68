// Test-only: the web sign-in (authorization code + PKCE) driven with fetch and a small cookie jar, redirect by
// redirect, as a browser would follow it between the hub and the issuer.

export class CookieJar {
  readonly #cookies = new Map<string, Map<string, string>>();
  /** Every value ever set, by host and name, including those since deleted (a test scans logs for them). */
  readonly #seen = new Map<string, string[]>();

  store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const jar = this.#cookies.get(url.host) ?? new Map<string, string>();
      if (value !== '') this.#seen.set(`${url.host} ${name}`, [...this.seen(url.host, name), value]);
      if (/max-age=0/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
      this.#cookies.set(url.host, jar);
    }
  }

  header(url: URL): string {
    return [...(this.#cookies.get(url.host) ?? new Map<string, string>()).entries()]
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
  }

  get(host: string, name: string): string | undefined {
    return this.#cookies.get(host)?.get(name);
  }

  seen(host: string, name: string): string[] {
    return this.#seen.get(`${host} ${name}`) ?? [];
  }
}

/** Follows redirects from `start` until a non-redirect answer; returns the last URL and response. */
export async function follow(
  start: string,
  jar: CookieJar,
  maxHops = 20,
): Promise<{ url: URL; res: Response; hops: URL[] }> {
  let url = new URL(start);
  const hops: URL[] = [];
  for (let i = 0; i < maxHops; i++) {
    hops.push(url);
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    jar.store(url, res.headers);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return { url, res, hops };
    await res.arrayBuffer();
    url = new URL(location, url);
  }
  throw new Error(`more than ${maxHops} redirects from ${start}`);
}

/** Signs in to the hub at `hubUrl` as `user` (the test issuer's login_hint); returns the jar with the session. */
export async function signIn(hubUrl: string, user: string): Promise<{ jar: CookieJar; landed: URL; hops: URL[] }> {
  const jar = new CookieJar();
  const { url, res, hops } = await follow(`${hubUrl}/auth/login?returnTo=%2F&login_hint=${user}`, jar);
  if (res.status !== 200) throw new Error(`sign-in ended at ${url.href} with ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
  return { jar, landed: url, hops };
}
