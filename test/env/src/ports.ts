import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/**
 * Ports are picked below Linux's ephemeral range (32768–60999 by default). A port from that range that was free a
 * moment ago can become the source port of any outgoing connection before our server binds it ("address already in
 * use" from etcd once); ports below it are only ever taken by another listener, which the bind check sees.
 */
const RANGE = { min: 20_000, max: 32_767 };
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A loopback port outside the ephemeral range, free now and not handed out before by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = randomInt(RANGE.min, RANGE.max + 1);
    if (handedOut.has(port)) continue;
    // Reserved before the check, so concurrent callers in this process never get the same port.
    handedOut.add(port);
    if (await bindable(port)) return port;
    handedOut.delete(port);
  }
  throw new Error(`no free loopback port in ${RANGE.min}-${RANGE.max} after 200 attempts`);
}
