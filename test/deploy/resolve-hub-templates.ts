// RHACM resolves `{{hub ... hub}}` templates on the hub when it copies a policy into a cluster's namespace. This is
// that step for the expressions our policies use, so the tests can apply the templates as a spoke would receive
// them; any other expression is refused rather than guessed. (RHACM also encrypts fromSecret output in the
// replicated policy and the spoke decrypts it; the value that reaches the object is the one modelled here.)

export interface HubTemplateContext {
  managedClusterName: string;
  /** The base64 value of one key of a hub Secret, as `fromSecret` returns it; undefined when absent. */
  readSecretKey(namespace: string, name: string, key: string): Promise<string | undefined>;
}

const HUB_TEMPLATE = /\{\{hub\s+(.*?)\s+hub\}\}/g;
const STRING = String.raw`"([^"\\]*)"`;
const FROM_SECRET = new RegExp(
  String.raw`^fromSecret\s+${STRING}\s+(?:${STRING}|\(printf\s+${STRING}\s+\.ManagedClusterName\))\s+${STRING}$`,
);
const CLUSTER_NAME = /^\.ManagedClusterName(\s*\|\s*base64enc)?$/;

async function evaluate(expression: string, ctx: HubTemplateContext): Promise<string> {
  const cluster = CLUSTER_NAME.exec(expression);
  if (cluster) {
    return cluster[1] ? Buffer.from(ctx.managedClusterName).toString('base64') : ctx.managedClusterName;
  }
  const secret = FROM_SECRET.exec(expression);
  if (secret) {
    const [, namespace = '', literalName, format, key = ''] = secret;
    if (format !== undefined && format.split('%s').length !== 2) throw new Error(`unsupported printf: ${format}`);
    const name = literalName ?? (format ?? '').replace('%s', ctx.managedClusterName);
    const value = await ctx.readSecretKey(namespace, name, key);
    if (value === undefined) throw new Error(`hub template: Secret ${namespace}/${name} has no key ${key}`);
    return value;
  }
  throw new Error(`unsupported hub template expression: ${expression}`);
}

async function resolveString(text: string, ctx: HubTemplateContext): Promise<string> {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(HUB_TEMPLATE)) {
    out += text.slice(last, match.index) + (await evaluate(match[1] ?? '', ctx));
    last = (match.index ?? 0) + match[0].length;
  }
  return out + text.slice(last);
}

/** A copy of `value` with every hub template in its strings resolved for one managed cluster. */
export async function resolveHubTemplates<T>(value: T, ctx: HubTemplateContext): Promise<T> {
  if (typeof value === 'string') return (await resolveString(value, ctx)) as T;
  if (Array.isArray(value)) return (await Promise.all(value.map((v) => resolveHubTemplates(v, ctx)))) as T;
  if (typeof value === 'object' && value !== null) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolveHubTemplates(v, ctx)] as const),
    );
    return Object.fromEntries(entries) as T;
  }
  return value;
}

/** Whether a value still holds a hub template anywhere. */
export function hasHubTemplate(value: unknown): boolean {
  return JSON.stringify(value).includes('{{hub');
}
