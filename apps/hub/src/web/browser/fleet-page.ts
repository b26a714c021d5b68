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
interface ModuleOverview {
  name: string;
  state: string;
  clusters: { selected: number; byState: Counts };
  kernels: { total: number };
  images: { total: number; byState: Counts };
}
interface Fleet {
  totals: FleetTotals;
  modules: ModuleOverview[];
}
interface ClusterSummary {
  name: string;
  labels: Record<string, string>;
  available: string;
  modules: { module: string; state: string }[];
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
  nextCursor?: string;
  total?: number;
}
interface CellsEvent {
  revision: number;
  changed: { module: string; cluster: string; state: string | null }[];
  totals: Partial<FleetTotals>;
  modules?: ModuleOverview[];
}
interface Detail {
  kind: 'module' | 'cluster';
  name: string;
  /** For a placement: the cluster it is on. */
  cluster?: string;
  render: () => Promise<void>;
}
/** What the cluster list asks the API for (GET /api/v1/clusters). */
interface ClusterQuery {
  q: string;
  state: string;
  module: string;
  order: string;
}

type Attributes = Record<string, string | (() => void) | undefined>;
type Child = Node | string | null;

const body = document.body;
/** Rows per page of the cluster list: a page stays a few thousand cells however large the fleet. */
const PAGE_SIZE = 50;
/** Placements a module's detail renders; the cluster list filtered by the module shows the rest. */
const DETAIL_PLACEMENTS = 50;

const view: {
  me: Me | null;
  fleet: Fleet | null;
  query: ClusterQuery;
  /** Cursors of the pages before the one shown (the first page has none). */
  cursors: (string | undefined)[];
  page: Page<ClusterSummary> | null;
  builds: Map<string, Build>;
  detail: Detail | null;
} = {
  me: null,
  fleet: null,
  query: { q: '', state: '', module: '', order: 'attention' },
  cursors: [undefined],
  page: null,
  builds: new Map(),
  detail: null,
};

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

/** "Ready 9,800 · Degraded 12": the non-zero counts, largest first. */
function countsText(counts: Counts): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .toSorted((x, y) => y[1] - x[1])
    .map(([k, n]) => k + ' ' + n.toLocaleString('en'))
    .join(' · ');
}
function moduleRow(m: ModuleOverview): HTMLElement {
  return el('tr', { id: 'module:' + m.name, 'data-module': m.name, 'data-state': m.state }, [
    el('th', {}, [el('button', { className: 'link', text: m.name, onclick: () => void showModule(m.name) })]),
    el('td', {}, [el('span', { className: 'badge s-' + m.state, text: m.state })]),
    el('td', { className: 'num', text: m.clusters.selected.toLocaleString('en') }),
    el('td', {}, [
      stateBar(m.clusters.byState, m.clusters.selected),
      el('small', { text: countsText(m.clusters.byState) }),
    ]),
    el('td', { className: 'num', text: String(m.kernels.total) }),
    el('td', { text: m.images.total + (m.images.total ? ' (' + countsText(m.images.byState) + ')' : '') }),
    el('td', {}, [
      el('button', {
        text: 'clusters needing attention',
        onclick: () => setQuery({ module: m.name, state: 'NeedsAttention' }),
      }),
    ]),
  ]);
}
/** A bar of the module's clusters, one segment per state, coloured as the cells are. */
function stateBar(counts: Counts, total: number): HTMLElement {
  const bar = el('span', { className: 'states' });
  for (const [state, n] of Object.entries(counts)) {
    const part = el('span', { className: 's-' + state, title: state + ' ' + n });
    part.style.width = (total ? (100 * n) / total : 0) + '%';
    bar.appendChild(part);
  }
  return bar;
}
/** The summary table, row by row: a row whose module did not change keeps its DOM node. */
function renderModules(modules: ModuleOverview[]): void {
  const tbody = byId<HTMLTableElement>('modules').tBodies[0]!;
  setChildren(
    tbody,
    modules.map((m) => reuse(moduleRow(m), document.getElementById('module:' + m.name))),
  );
}
function fillModuleFilter(modules: ModuleOverview[]): void {
  const select = byId<HTMLSelectElement>('filter-module');
  const names = modules.map((m) => m.name);
  const shown = [...select.options].slice(1).map((o) => o.value);
  if (names.join('\n') === shown.join('\n')) return;
  select.replaceChildren(
    el('option', { value: '', text: 'any module' }),
    ...names.map((n) => el('option', { value: n, text: n })),
  );
  select.value = view.query.module;
}

function cellId(module: string, cluster: string): string {
  return 'cell:' + module + '/' + cluster;
}
/** The modules the matrix has a column for: every module, or the one the list is filtered by. */
function columns(): string[] {
  const all = (view.fleet?.modules ?? []).map((m) => m.name);
  return view.query.module ? all.filter((m) => m === view.query.module) : all;
}
function matrixHead(modules: string[]): HTMLElement {
  return el('tr', {}, [
    el('th', { text: 'cluster / module' }),
    ...modules.map((name) =>
      el('th', {}, [el('button', { className: 'link', text: name, onclick: () => void showModule(name) })]),
    ),
  ]);
}
function clusterRow(c: ClusterSummary, modules: string[]): HTMLElement {
  const states = new Map(c.modules.map((m) => [m.module, m.state]));
  const labels = Object.entries(c.labels)
    .map(([k, v]) => k + '=' + v)
    .join(', ');
  const tr = el('tr', { 'data-cluster': c.name }, [
    el('th', { title: labels || 'no labels' }, [
      el('span', { className: 'avail ' + c.available, title: 'available: ' + c.available }),
      el('button', { className: 'link', text: c.name, onclick: () => void showCluster(c.name) }),
    ]),
  ]);
  for (const module of modules) {
    const td = el('td', { id: cellId(module, c.name), 'data-module': module, 'data-cluster': c.name });
    setCell(td, states.get(module) ?? null);
    tr.appendChild(td);
  }
  return tr;
}
/** Keeps the node of `fresh` already in the page when it is equal, so an unchanged row is never rebuilt. */
function reuse(fresh: HTMLElement, old: Element | null | undefined): Element {
  return old && old.isEqualNode(fresh) ? old : fresh;
}
/** Puts `nodes` in `parent` unless they already are its children, in that order. */
function setChildren(parent: Element, nodes: Element[]): void {
  const same = nodes.length === parent.children.length && nodes.every((n, i) => n === parent.children[i]);
  if (!same) parent.replaceChildren(...nodes);
}
function renderMatrix(page: Page<ClusterSummary>): void {
  const modules = columns();
  const table = byId<HTMLTableElement>('matrix');
  setChildren(table.tHead!, [reuse(matrixHead(modules), table.tHead!.rows[0])]);
  const tbody = table.tBodies[0]!;
  const old = new Map([...tbody.rows].map((tr) => [tr.dataset['cluster'], tr]));
  setChildren(
    tbody,
    page.items.map((c) => reuse(clusterRow(c, modules), old.get(c.name))),
  );
  renderPager(page);
}
function renderPager(page: Page<ClusterSummary>): void {
  const first = (view.cursors.length - 1) * PAGE_SIZE;
  const total = page.total ?? page.items.length;
  byId('range').textContent =
    total === 0
      ? 'no cluster matches'
      : 'clusters ' +
        (first + 1).toLocaleString('en') +
        '–' +
        (first + page.items.length).toLocaleString('en') +
        ' of ' +
        total.toLocaleString('en');
  byId<HTMLButtonElement>('prev').disabled = view.cursors.length <= 1;
  byId<HTMLButtonElement>('next').disabled = page.nextCursor === undefined;
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
function clustersPath(cursor: string | undefined): string {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE), order: view.query.order });
  for (const key of ['q', 'state', 'module'] as const) if (view.query[key]) params.set(key, view.query[key]);
  if (cursor !== undefined) params.set('cursor', cursor);
  return '/api/v1/clusters?' + params.toString();
}
/** Loads and renders the page of clusters the cursor stack points at; an answer to an older query is dropped. */
async function loadClusters(): Promise<void> {
  const path = clustersPath(view.cursors.at(-1));
  const page = await api<Page<ClusterSummary>>(path);
  if (path !== clustersPath(view.cursors.at(-1))) return;
  view.page = page;
  renderMatrix(page);
}
let typing: ReturnType<typeof setTimeout> | undefined;
/** A new query starts at its first page; the search box's text is part of every query. */
function setQuery(change: Partial<ClusterQuery>): void {
  clearTimeout(typing);
  view.query = { ...view.query, q: byId<HTMLInputElement>('search').value.trim(), ...change };
  byId<HTMLInputElement>('search').value = view.query.q;
  byId<HTMLSelectElement>('filter-state').value = view.query.state;
  byId<HTMLSelectElement>('filter-module').value = view.query.module;
  byId<HTMLSelectElement>('order').value = view.query.order;
  view.cursors = [undefined];
  loadClusters().catch((e: unknown) => message(errorText(e)));
}
function bindControls(): void {
  byId('search').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => setQuery({}), 250);
  });
  byId('filters').addEventListener('submit', (e) => e.preventDefault());
  for (const [id, key] of [
    ['filter-state', 'state'],
    ['filter-module', 'module'],
    ['order', 'order'],
  ] as const) {
    byId(id).addEventListener('change', () => setQuery({ [key]: byId<HTMLSelectElement>(id).value }));
  }
  byId('prev').addEventListener('click', () => {
    view.cursors.pop();
    loadClusters().catch((e: unknown) => message(errorText(e)));
  });
  byId('next').addEventListener('click', () => {
    if (view.page?.nextCursor === undefined) return;
    view.cursors.push(view.page.nextCursor);
    loadClusters().catch((e: unknown) => message(errorText(e)));
  });
  byId('matrix').addEventListener('click', (e) => {
    const td = (e.target as Element).closest<HTMLElement>('td.cell[data-state]');
    if (td) void showPlacement(td.dataset['module']!, td.dataset['cluster']!);
  });
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
function showDetail(detail: Detail): Promise<void> {
  view.detail = detail;
  return detail.render();
}
function fillDetail(nodes: HTMLElement[]): void {
  const d = clear(byId('detail'));
  d.className = 'shown';
  for (const n of nodes) d.appendChild(n);
}
/**
 * The placements a module's detail shows: all of them in name order when they fit, else those needing attention
 * first (a module on 10,000 clusters would otherwise render 10,000 blocks).
 */
function shownPlacements(m: ModuleDetail): ModuleDetail['placement'] {
  if (m.placement.length <= DETAIL_PLACEMENTS) return m.placement;
  const rank = (p: Placement) => (p.state === 'Degraded' ? 0 : p.state === 'Ready' ? 2 : 1);
  return m.placement.toSorted((a, b) => rank(a) - rank(b)).slice(0, DETAIL_PLACEMENTS);
}
function showModule(name: string): Promise<void> {
  return showDetail({
    kind: 'module',
    name,
    render: async () => {
      const m = await api<ModuleDetail>('/api/v1/modules/' + encodeURIComponent(name));
      const r = await api<RolloutView>('/api/v1/modules/' + encodeURIComponent(name) + '/rollout');
      const shown = shownPlacements(m);
      const more = m.placement.length - shown.length;
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
        ...shown.map((p) => placementBlock('on ' + p.cluster, p)),
        more > 0
          ? el('div', {}, [
              more.toLocaleString('en') + ' more clusters, those needing attention shown first: ',
              el('button', { className: 'link', text: 'list them', onclick: () => setQuery({ module: name }) }),
            ])
          : el('span'),
      ]);
    },
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
  return showDetail({
    kind: 'cluster',
    name,
    render: async () => {
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
    },
  });
}
function showPlacement(module: string, cluster: string): Promise<void> {
  return showDetail({
    kind: 'module',
    name: module,
    cluster,
    render: async () => {
      const c = await api<ClusterDetail>('/api/v1/clusters/' + encodeURIComponent(cluster));
      const p = c.placements.find((x) => x.module === module);
      fillDetail([
        el('h2', { text: module + ' on ' + cluster }),
        p ? placementBlock('state', p) : el('div', { text: 'not selected any more' }),
      ]);
    },
  });
}
/** Whether a change touches what the detail shows (re-fetching a 10,000-cluster module on every event would not do). */
function detailAffected(d: Detail, changed: CellsEvent['changed']): boolean {
  return changed.some((c) =>
    d.kind === 'cluster'
      ? c.cluster === d.name
      : c.module === d.name && (d.cluster === undefined || c.cluster === d.cluster),
  );
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

async function loadSummary(): Promise<void> {
  const fleet = await api<Fleet>('/api/v1/fleet');
  view.fleet = fleet;
  renderTotals(fleet);
  renderModules(fleet.modules);
  fillModuleFilter(fleet.modules);
}
async function loadFleet(): Promise<void> {
  await loadSummary();
  await loadClusters();
}
let refetch: ReturnType<typeof setTimeout> | null = null;
/** The list's layout changed (a new module, a cluster newly selected on this page): load the page again, once. */
function scheduleRefetch(): void {
  if (refetch) return;
  refetch = setTimeout(() => {
    refetch = null;
    loadFleet().catch((e: unknown) => message(errorText(e)));
  }, 300);
}
/** Applies the changes to the cells on this page; true when one of them needs a new layout. */
function applyCells(changed: CellsEvent['changed']): boolean {
  const shown = new Set(view.page?.items.map((c) => c.name));
  const modules = new Set(columns());
  let needsLayout = false;
  for (const c of changed) {
    if (!shown.has(c.cluster) || !modules.has(c.module)) {
      // A module the summary does not know yet gets its column and row.
      if (!view.query.module && !view.fleet?.modules.some((m) => m.name === c.module)) needsLayout = true;
      continue;
    }
    const td = document.getElementById(cellId(c.module, c.cluster));
    if (td) setCell(td, c.state);
    else needsLayout = true;
  }
  return needsLayout;
}
/**
 * One `cells` event: the totals, the module rows that changed, and the cells shown on this page, in place. Clusters
 * on other pages only move the summary; the list keeps its order until the visitor pages or filters, so rows never
 * jump under the pointer. The cost of each update is recorded as the performance measure `kmm:update` (script) and
 * `kmm:update-frame` (until the next frame, layout and paint included).
 */
function onCells(ev: MessageEvent<string>): void {
  const data = JSON.parse(ev.data) as CellsEvent;
  const fleet = view.fleet;
  if (!fleet) return;
  performance.mark('kmm:update-start');
  fleet.totals = { ...fleet.totals, ...data.totals, builds: fleet.totals.builds };
  renderTotals(fleet);
  if (data.modules) {
    const added = data.modules.some((m) => !fleet.modules.some((x) => x.name === m.name));
    const removed = fleet.modules.some((m) => !data.modules!.some((x) => x.name === m.name));
    fleet.modules = data.modules;
    renderModules(data.modules);
    fillModuleFilter(data.modules);
    if (added || removed) scheduleRefetch();
  }
  if (applyCells(data.changed) || data.changed.length === 0) scheduleRefetch();
  if (view.detail && detailAffected(view.detail, data.changed)) view.detail.render().catch(() => undefined);
  body.dataset['revision'] = String(data.revision);
  performance.measure('kmm:update', 'kmm:update-start');
  requestAnimationFrame(() => setTimeout(() => performance.measure('kmm:update-frame', 'kmm:update-start')));
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
  bindControls();
  await Promise.all([
    loadFleet(),
    api<Page<Build>>('/api/v1/builds?limit=100').then((p) => {
      for (const b of p.items) view.builds.set(b.id, b);
      renderBuilds();
    }),
  ]);
  body.dataset['ready'] = 'true';
  // The summary and the first page of clusters are in the DOM; the mark after the next frame is when they show.
  performance.mark('kmm:data-rendered');
  requestAnimationFrame(() => setTimeout(() => performance.mark('kmm:first-paint')));
  connect();
}

start().catch((e: unknown) => {
  if (errorText(e) !== 'not signed in') message(errorText(e));
});

// An ES module (loaded with <script type="module">): its names stay out of the page's global scope.
export {};
