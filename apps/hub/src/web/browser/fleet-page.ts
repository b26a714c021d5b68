// The fleet page's script, served as /assets/fleet.js (an ES module): plain DOM, no framework. Text is always set
// with textContent, never parsed as HTML, so nothing from the API can inject markup. Type-checked with the DOM
// library by this folder's tsconfig.json and built by `tsc -b` into apps/hub/dist/web/browser/, which the web
// controller serves.

// The parts of the API's answers the page reads (their schemas are apps/hub/src/api/dto/*.dto.ts).
type Counts = Record<string, number>;
interface Me {
  subject: string;
  roles: string[];
  via: 'bearer' | 'session' | 'disabled';
}
interface QueueTotals {
  build: Counts;
  sign: Counts;
}
interface FleetTotals {
  clusters: { total: number; byAvailability: Counts };
  modules: { total: number; byState: Counts };
  kernels: { total: number };
  images: { total: number; byState: Counts };
  builds: QueueTotals | null;
}
interface MatrixCell {
  module: string;
  cluster: string;
  state: string;
}
interface Fleet {
  totals: FleetTotals;
  matrix: { clusters: string[]; modules: string[]; cells: MatrixCell[] };
}
interface ClusterSummary {
  name: string;
  available: string;
}
interface KernelImage {
  kernel: string;
  image?: string;
  digest?: string;
  state: string;
  lastError?: string;
  attempts?: number;
}
interface LoaderCounts {
  desired?: number;
  available?: number;
}
interface Placement {
  state: string;
  reason?: string;
  message?: string;
  manifestWork: { applied: boolean; available: boolean; problems: string[] } | null;
  loader?: LoaderCounts;
  kernels: KernelImage[];
}
interface ModuleDetail {
  name: string;
  state: string;
  spokeNamespace: string;
  clusters: { selected: number; ready: number };
  selectionError?: string;
  placement: (Placement & { cluster: string })[];
}
interface RolloutView {
  strategy: { type: string; paused: boolean };
  state: string | null;
  wave: number;
  message?: string;
  clusters: { name: string; rollout?: string; revision?: string; wave?: number }[];
}
interface ClusterDetail {
  name: string;
  available: string;
  labels: Record<string, string>;
  kernelsReported: boolean;
  kernels: { kernel: string; nodes?: number }[];
  placements: (Placement & { module: string })[];
}
interface Build {
  id: string;
  module: string;
  kernel: string;
  state: string;
  attempts: number;
  stage?: string;
  percent?: number;
  lastError?: string;
  createdAt: string;
}
interface Page<T> {
  items: T[];
}
interface CellsEvent {
  changed: MatrixCell[];
  totals: Partial<FleetTotals>;
}
interface Detail {
  kind: 'module' | 'cluster';
  name: string;
  render: () => Promise<void>;
}

type Attributes = Record<string, string | (() => void) | undefined>;
type Child = Node | string | null;

const body = document.body;
const view: {
  me: Me | null;
  fleet: Fleet | null;
  clusters: ClusterSummary[];
  builds: Map<string, Build>;
  detail: Detail | null;
} = { me: null, fleet: null, clusters: [], builds: new Map(), detail: null };

/** An element of the page by id; the HTML shell (render-fleet-page.ts) has every one the script asks for. */
function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`the page has no #${id}`);
  return node as T;
}

function el(tag: string, attrs: Attributes = {}, children: Child[] = []): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    if (k === 'text') node.textContent = String(v);
    else if (k === 'onclick' && typeof v === 'function') node.addEventListener('click', v);
    else if (k === 'className') node.className = String(v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children) if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}
function clear<T extends Node>(node: T): T {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}
function message(text?: string): void {
  const m = byId('message');
  m.textContent = text ?? '';
  m.className = text ? 'shown' : '';
}
function signIn(): void {
  if (body.dataset['webLogin'] !== 'true') {
    message('Not signed in. This hub has no web sign-in configured: use the API with a bearer token.');
    return;
  }
  if (location.search.includes('signed-out=1')) {
    clear(byId('message')).appendChild(el('a', { href: '/auth/login', text: 'Signed out. Sign in again' }));
    byId('message').className = 'shown';
    return;
  }
  location.href = '/auth/login?returnTo=' + encodeURIComponent(location.pathname);
}
async function api<T>(path: string, method = 'GET'): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { accept: 'application/json', 'x-kmm-hub-csrf': '1' },
  });
  if (res.status === 401) {
    signIn();
    throw new Error('not signed in');
  }
  const data = (await res.json()) as T & { detail?: string; title?: string };
  if (!res.ok) throw new Error(data.detail || data.title || String(res.status));
  return data;
}
function isAdmin(): boolean {
  return !!view.me && view.me.roles.includes('admin');
}
function short(text: string | undefined, n: number): string {
  return text && text.length > n ? text.slice(0, n) + '…' : (text ?? '');
}
function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function renderTotals(fleet: Fleet): void {
  const t = fleet.totals;
  const card = (label: string, value: number | string, sub?: string) =>
    el('div', { className: 'card' }, [
      el('b', { text: String(value) }),
      label,
      sub ? el('br') : null,
      sub ? el('small', { text: sub }) : null,
    ]);
  const parts = (obj: Counts | undefined) =>
    Object.entries(obj ?? {})
      .map(([k, v]) => k + ' ' + v)
      .join(', ');
  const b = t.builds;
  const sum = (key: string) => (b ? (b.build[key] ?? 0) + (b.sign[key] ?? 0) : 0);
  clear(byId('totals')).append(
    card('clusters', t.clusters.total, parts(t.clusters.byAvailability)),
    card('modules', t.modules.total, parts(t.modules.byState)),
    card('kernels', t.kernels.total),
    card('images', t.images.total, parts(t.images.byState)),
    card(
      'builds running',
      b ? sum('active') : '?',
      b ? 'queued ' + sum('queued') + ', failed ' + sum('failed') + ', done ' + sum('succeeded') : 'queue unavailable',
    ),
  );
}

function cellId(module: string, cluster: string): string {
  return 'cell:' + module + '/' + cluster;
}
function renderMatrix(fleet: Fleet): void {
  const m = fleet.matrix;
  const table = byId<HTMLTableElement>('matrix');
  const head = clear(table.tHead!);
  const row = el('tr', {}, [el('th', { text: 'cluster / module' })]);
  for (const name of m.modules) {
    row.appendChild(
      el('th', {}, [el('button', { className: 'link', text: name, onclick: () => void showModule(name) })]),
    );
  }
  head.appendChild(row);
  const states = new Map(m.cells.map((c) => [c.module + '/' + c.cluster, c.state]));
  const tbody = clear(table.tBodies[0]!);
  const clusters = new Map(view.clusters.map((c) => [c.name, c]));
  for (const cluster of m.clusters) {
    const available = clusters.get(cluster)?.available ?? 'Unknown';
    const tr = el('tr', {}, [
      el('th', {}, [
        el('span', { className: 'avail ' + available, title: 'available: ' + available }),
        el('button', { className: 'link', text: cluster, onclick: () => void showCluster(cluster) }),
      ]),
    ]);
    for (const module of m.modules) {
      const td = el('td', { id: cellId(module, cluster), 'data-module': module, 'data-cluster': cluster });
      setCell(td, states.get(module + '/' + cluster) ?? null);
      td.addEventListener('click', () => {
        if (td.dataset['state']) void showPlacement(module, cluster);
      });
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
}
function setCell(td: HTMLElement, state: string | null): void {
  if (state) {
    td.className = 'cell s-' + state;
    td.dataset['state'] = state;
    td.textContent = state;
    td.title = state + ': click for kernels and images';
  } else {
    td.className = 'cell none';
    delete td.dataset['state'];
    td.textContent = '·';
    td.title = 'not selected';
  }
}

function kernelTable(kernels: KernelImage[]): HTMLElement {
  return el('table', {}, [
    el('thead', {}, [
      el(
        'tr',
        {},
        ['kernel', 'state', 'image', 'digest', 'attempts', 'last error'].map((h) => el('th', { text: h })),
      ),
    ]),
    el(
      'tbody',
      {},
      kernels.map((k) =>
        el('tr', { 'data-kernel': k.kernel }, [
          el('td', { className: 'mono', text: k.kernel }),
          el('td', {}, [el('span', { className: 'badge s-' + k.state, text: k.state })]),
          el('td', { className: 'mono', text: k.image ?? '' }),
          el('td', { className: 'mono', text: short(k.digest, 19), title: k.digest ?? '' }),
          el('td', { text: k.attempts === undefined ? '' : String(k.attempts) }),
          el('td', { className: 'err', text: k.lastError ?? '' }),
        ]),
      ),
    ),
  ]);
}
function placementBlock(title: string, p: Placement): HTMLElement {
  const mw = p.manifestWork;
  const loader = p.loader ?? {};
  const work = mw
    ? 'applied ' +
      mw.applied +
      ', available ' +
      mw.available +
      (mw.problems.length ? ' (' + mw.problems.join('; ') + ')' : '')
    : 'not written';
  return el('div', {}, [
    el('h3', {}, [
      title + ' ',
      el('span', { className: 'badge s-' + p.state, text: p.state }),
      ' ',
      el('small', { text: [p.reason, p.message].filter(Boolean).join(': ') }),
    ]),
    el('div', {
      text:
        'ManifestWork: ' +
        work +
        ' · module loader: ' +
        (loader.available ?? '?') +
        '/' +
        (loader.desired ?? '?') +
        ' nodes',
    }),
    kernelTable(p.kernels),
  ]);
}
function showDetail(kind: Detail['kind'], name: string, render: () => Promise<void>): Promise<void> {
  view.detail = { kind, name, render };
  return render();
}
function fillDetail(nodes: HTMLElement[]): void {
  const d = clear(byId('detail'));
  d.className = 'shown';
  for (const n of nodes) d.appendChild(n);
}
function showModule(name: string): Promise<void> {
  return showDetail('module', name, async () => {
    const m = await api<ModuleDetail>('/api/v1/modules/' + encodeURIComponent(name));
    const r = await api<RolloutView>('/api/v1/modules/' + encodeURIComponent(name) + '/rollout');
    fillDetail([
      el('h2', { text: 'Module ' + m.name + ' (' + m.state + ')' }),
      ...rolloutBlock(name, r),
      el('div', {
        text:
          'spoke namespace ' +
          m.spokeNamespace +
          ' · ' +
          m.clusters.ready +
          '/' +
          m.clusters.selected +
          ' clusters ready' +
          (m.selectionError ? ' · ' + m.selectionError : ''),
      }),
      ...m.placement.map((p) => placementBlock('on ' + p.cluster, p)),
    ]);
  });
}
/** spec.rollout: state, wave and the revision each cluster runs; pause or resume for admins. */
function rolloutBlock(name: string, r: RolloutView): HTMLElement[] {
  if (r.strategy.type === 'All') return [];
  const action = r.strategy.paused ? 'resume' : 'pause';
  const toggle = isAdmin()
    ? el('button', {
        text: action,
        onclick: () => {
          api<RolloutView>('/api/v1/modules/' + encodeURIComponent(name) + '/rollout/' + action, 'POST')
            .then(() => showModule(name))
            .catch((e: unknown) => message(action + ' failed: ' + errorText(e)));
        },
      })
    : null;
  const rows = r.clusters.map((c) =>
    el('tr', {}, [
      el('td', { text: c.name }),
      el('td', {}, [el('span', { className: 'badge s-' + (c.rollout ?? ''), text: c.rollout ?? '' })]),
      el('td', { className: 'mono', text: short(c.revision, 14), title: c.revision }),
      el('td', { text: c.wave === undefined ? '' : String(c.wave) }),
    ]),
  );
  return [
    el('div', {}, [
      'rollout ' + r.strategy.type + ' · ' + (r.state ?? 'not planned yet') + ' · wave ' + r.wave + ' ',
      toggle,
    ]),
    ...(r.message ? [el('div', { className: 'err', text: r.message })] : []),
    el('table', {}, [
      el('thead', {}, [
        el('tr', {}, [
          el('th', { text: 'cluster' }),
          el('th', { text: 'rollout' }),
          el('th', { text: 'revision' }),
          el('th', { text: 'wave' }),
        ]),
      ]),
      el('tbody', {}, rows),
    ]),
  ];
}
function showCluster(name: string): Promise<void> {
  return showDetail('cluster', name, async () => {
    const c = await api<ClusterDetail>('/api/v1/clusters/' + encodeURIComponent(name));
    const labels = Object.entries(c.labels)
      .map(([k, v]) => k + '=' + v)
      .join(', ');
    const kernels = c.kernelsReported
      ? c.kernels.map((k) => k.kernel + (k.nodes === undefined ? '' : ' (' + k.nodes + ' nodes)')).join(', ')
      : 'not reported';
    fillDetail([
      el('h2', { text: 'Cluster ' + c.name }),
      el('div', { text: 'available: ' + c.available + ' · labels: ' + (labels || 'none') }),
      el('div', { text: 'kernels: ' + kernels }),
      ...c.placements.map((p) => placementBlock('module ' + p.module, p)),
    ]);
  });
}
function showPlacement(module: string, cluster: string): Promise<void> {
  return showDetail('module', module, async () => {
    const m = await api<ModuleDetail>('/api/v1/modules/' + encodeURIComponent(module));
    const p = m.placement.find((x) => x.cluster === cluster);
    fillDetail([
      el('h2', { text: module + ' on ' + cluster }),
      p ? placementBlock('state', p) : el('div', { text: 'not selected any more' }),
    ]);
  });
}

function progressBar(percent: number): HTMLElement {
  const fill = el('span');
  fill.style.width = Math.max(0, Math.min(100, percent)) + '%';
  return el('span', { className: 'bar' }, [fill]);
}
function buildRow(b: Build): HTMLElement {
  const retry =
    isAdmin() && b.state === 'failed'
      ? el('button', {
          text: 'retry',
          onclick: () => {
            api<Build>('/api/v1/builds/' + b.id + '/retry', 'POST')
              .then(upsertBuild)
              .catch((e: unknown) => message('retry failed: ' + errorText(e)));
          },
        })
      : null;
  return el('tr', { id: 'build:' + b.id, 'data-state': b.state }, [
    el('td', { className: 'mono', text: b.id.slice(0, 12), title: b.id }),
    el('td', { text: b.module }),
    el('td', { className: 'mono', text: b.kernel }),
    el('td', {}, [el('span', { className: 'badge s-' + b.state, text: b.state })]),
    el(
      'td',
      {},
      b.percent === undefined
        ? [b.stage ?? '']
        : [progressBar(b.percent), ' ' + (b.stage ?? '') + ' ' + b.percent + '%'],
    ),
    el('td', { text: String(b.attempts) }),
    el('td', { className: 'err', text: b.lastError ?? '' }),
    el('td', {}, [retry]),
  ]);
}
function renderBuilds(): void {
  const tbody = clear(byId<HTMLTableElement>('builds').tBodies[0]!);
  const newestFirst = [...view.builds.values()].toSorted((a, b) =>
    a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0,
  );
  for (const b of newestFirst) tbody.appendChild(buildRow(b));
}
function upsertBuild(b: Build): void {
  view.builds.set(b.id, b);
  const old = document.getElementById('build:' + b.id);
  if (old) old.replaceWith(buildRow(b));
  else renderBuilds();
}

async function loadFleet(): Promise<void> {
  const [fleet, clusters] = await Promise.all([
    api<Fleet>('/api/v1/fleet'),
    api<Page<ClusterSummary>>('/api/v1/clusters?limit=500'),
  ]);
  view.fleet = fleet;
  view.clusters = clusters.items;
  renderTotals(fleet);
  renderMatrix(fleet);
}
let refetch: ReturnType<typeof setTimeout> | null = null;
function scheduleRefetch(): void {
  if (refetch) return;
  refetch = setTimeout(() => {
    refetch = null;
    loadFleet().catch((e: unknown) => message(errorText(e)));
  }, 300);
}
function onCells(ev: MessageEvent<string>): void {
  const data = JSON.parse(ev.data) as CellsEvent;
  const fleet = view.fleet;
  if (!fleet) return;
  fleet.totals = { ...fleet.totals, ...data.totals, builds: fleet.totals.builds };
  renderTotals(fleet);
  let needsLayout = false;
  for (const c of data.changed) {
    const td = document.getElementById(cellId(c.module, c.cluster));
    if (td) setCell(td, c.state);
    else needsLayout = true;
  }
  if (needsLayout || data.changed.length === 0) scheduleRefetch();
  if (view.detail) view.detail.render().catch(() => undefined);
}
function connect(): void {
  const live = byId('live');
  const es = new EventSource('/api/v1/events');
  es.addEventListener('hello', () => {
    live.textContent = 'live';
    live.className = 'on';
    body.dataset['live'] = 'true';
  });
  es.addEventListener('cells', onCells);
  es.addEventListener('build', (ev: MessageEvent<string>) => upsertBuild(JSON.parse(ev.data) as Build));
  es.addEventListener('error', () => {
    live.textContent = 'reconnecting';
    live.className = '';
    body.dataset['live'] = 'false';
    api<Me>('/api/v1/me').catch(() => es.close());
  });
}

async function start(): Promise<void> {
  const me = await api<Me>('/api/v1/me');
  view.me = me;
  byId('user').textContent = me.subject + ' (' + (me.roles.join(', ') || 'no role') + ')';
  byId('signout').hidden = me.via !== 'session';
  if (me.roles.length === 0) {
    message('Signed in as ' + me.subject + ', who has no KMM-Hub role.');
    return;
  }
  await Promise.all([
    loadFleet(),
    api<Page<Build>>('/api/v1/builds?limit=100').then((p) => {
      for (const b of p.items) view.builds.set(b.id, b);
      renderBuilds();
    }),
  ]);
  body.dataset['ready'] = 'true';
  connect();
}

start().catch((e: unknown) => {
  if (errorText(e) !== 'not signed in') message(errorText(e));
});

// An ES module (loaded with <script type="module">): its names stay out of the page's global scope.
export {};
