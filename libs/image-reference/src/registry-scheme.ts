// Pure: which URL schemes a registry may be reached over, by the rule of go-containerregistry (which upstream KMM
// and kaniko use): `pkg/name/registry.go` `Registry.Scheme()` says "http" for registries marked insecure, for
// RFC 1918 addresses, `localhost:<port>`, `*.localhost[:port]`, `127.0.0.1[:port]` and `::1` / `[::1][:port]`;
// "https" for everything else. "http" there does not mean plain HTTP only: `pkg/v1/remote/transport/ping.go`
// `Ping` tries https first and races http 300 ms later (at once if https fails), and the first of the two that
// answers `/v2/` with 200 or 401 is used from then on. So a registry is either https only, or https then http;
// nothing is plain HTTP without trying HTTPS first, and HTTPS certificates are verified in both cases.
//
// The rule is copied as written, quirks included: bare `localhost` (no port), other 127/8 addresses than
// 127.0.0.1, `[::1]` written with a zone, and mDNS `*.local` names are https only; an IPv4 address with a port is
// judged by its address, an IPv6 address in brackets is not (go-containerregistry splits on the first ":").

export type RegistryScheme = 'https' | 'http';

/** `https` only, or `https` then `http`, in the order they are tried. */
export type RegistrySchemes = readonly ['https'] | readonly ['https', 'http'];

const LOCALHOST_SUFFIX = /^.*\.localhost(?::\d{1,5})?$/;
const IPV4_LOOPBACK = /^127\.0\.0\.1(?::\d{1,5})?$/;
const IPV6_LOOPBACK = /^(?:::1|\[::1\](?::\d{1,5})?)$/;
const RFC1918: readonly (readonly [number, number])[] = [
  [0x0a000000, 8],
  [0xac100000, 12],
  [0xc0a80000, 16],
];

/** True when go-containerregistry's `Scheme()` is "http" for this registry without the insecure option. */
export function allowsPlainHttp(registry: string): boolean {
  return (
    isRfc1918(registry) ||
    registry.startsWith('localhost:') ||
    LOCALHOST_SUFFIX.test(registry) ||
    IPV4_LOOPBACK.test(registry) ||
    IPV6_LOOPBACK.test(registry)
  );
}

/** The schemes to try for `registry`; `insecure` is the mapping's `registryTLS.insecure`. */
export function registrySchemes(registry: string, insecure: boolean): RegistrySchemes {
  return insecure || allowsPlainHttp(registry) ? ['https', 'http'] : ['https'];
}

function isRfc1918(registry: string): boolean {
  const address = parseIpv4(registry.split(':')[0] ?? '');
  if (address === undefined) return false;
  return RFC1918.some(([network, bits]) => address >>> (32 - bits) === network >>> (32 - bits));
}

/** A dotted-quad IPv4 address as Go's `net.ParseIP` accepts it (no leading zeros), as an unsigned 32-bit number. */
function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(?:0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}
