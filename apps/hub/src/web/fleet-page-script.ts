// The fleet page's script (served as /assets/fleet.js): plain DOM, no framework. Text is always set with
// textContent, never parsed as HTML, so nothing from the API can inject markup.
export const FLEET_PAGE_JS = `
(function () {
  'use strict';
  var body = document.body;
  var view = { me: null, fleet: null, builds: new Map(), detail: null };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'onclick') node.addEventListener('click', attrs[k]);
      else if (k === 'className') node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function message(text) {
    var m = document.getElementById('message');
    m.textContent = text || '';
    m.className = text ? 'shown' : '';
  }
  function signIn() {
    if (body.dataset.webLogin !== 'true') {
      message('Not signed in. This hub has no web sign-in configured: use the API with a bearer token.');
      return;
    }
    if (location.search.indexOf('signed-out=1') >= 0) {
      clear(document.getElementById('message')).appendChild(el('a', { href: '/auth/login', text: 'Signed out. Sign in again' }));
      document.getElementById('message').className = 'shown';
      return;
    }
    location.href = '/auth/login?returnTo=' + encodeURIComponent(location.pathname);
  }
  function api(path, method) {
    return fetch(path, {
      method: method || 'GET',
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'x-kmm-hub-csrf': '1' }
    }).then(function (res) {
      if (res.status === 401) { signIn(); throw new Error('not signed in'); }
      return res.json().then(function (data) {
        if (!res.ok) throw new Error(data.detail || data.title || String(res.status));
        return data;
      });
    });
  }
  function isAdmin() { return !!view.me && view.me.roles.indexOf('admin') >= 0; }
  function short(text, n) { return text && text.length > n ? text.slice(0, n) + '…' : (text || ''); }

  function renderTotals() {
    var t = view.fleet.totals;
    function card(label, value, sub) { return el('div', { className: 'card' }, [el('b', { text: String(value) }), label, sub ? el('br') : null, sub ? el('small', { text: sub }) : null]); }
    function parts(obj) { return Object.keys(obj || {}).map(function (k) { return k + ' ' + obj[k]; }).join(', '); }
    var b = t.builds;
    clear(document.getElementById('totals')).append(
      card('clusters', t.clusters.total, parts(t.clusters.byAvailability)),
      card('modules', t.modules.total, parts(t.modules.byState)),
      card('kernels', t.kernels.total),
      card('images', t.images.total, parts(t.images.byState)),
      card('builds running', b ? b.build.active + b.sign.active : '?', b ? 'queued ' + (b.build.queued + b.sign.queued) + ', failed ' + (b.build.failed + b.sign.failed) + ', done ' + (b.build.succeeded + b.sign.succeeded) : 'queue unavailable')
    );
  }

  function cellId(module, cluster) { return 'cell:' + module + '/' + cluster; }
  function renderMatrix() {
    var m = view.fleet.matrix;
    var table = document.getElementById('matrix');
    var head = clear(table.tHead);
    var row = el('tr', {}, [el('th', { text: 'cluster / module' })]);
    m.modules.forEach(function (name) {
      row.appendChild(el('th', {}, [el('button', { className: 'link', text: name, onclick: function () { showModule(name); } })]));
    });
    head.appendChild(row);
    var states = new Map(m.cells.map(function (c) { return [c.module + '/' + c.cluster, c.state]; }));
    var tbody = clear(table.tBodies[0]);
    var clusters = new Map();
    (view.clusters || []).forEach(function (c) { clusters.set(c.name, c); });
    m.clusters.forEach(function (cluster) {
      var info = clusters.get(cluster);
      var tr = el('tr', {}, [el('th', {}, [
        el('span', { className: 'avail ' + (info ? info.available : 'Unknown'), title: 'available: ' + (info ? info.available : 'Unknown') }),
        el('button', { className: 'link', text: cluster, onclick: function () { showCluster(cluster); } })
      ])]);
      m.modules.forEach(function (module) {
        var td = el('td', { id: cellId(module, cluster), 'data-module': module, 'data-cluster': cluster });
        setCell(td, states.get(module + '/' + cluster) || null);
        td.addEventListener('click', function () { if (td.dataset.state) showPlacement(module, cluster); });
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }
  function setCell(td, state) {
    if (state) {
      td.className = 'cell s-' + state;
      td.dataset.state = state;
      td.textContent = state;
      td.title = state + ': click for kernels and images';
    } else {
      td.className = 'cell none';
      delete td.dataset.state;
      td.textContent = '·';
      td.title = 'not selected';
    }
  }

  function kernelTable(kernels) {
    return el('table', {}, [
      el('thead', {}, [el('tr', {}, ['kernel', 'state', 'image', 'digest', 'attempts', 'last error'].map(function (h) { return el('th', { text: h }); }))]),
      el('tbody', {}, kernels.map(function (k) {
        return el('tr', { 'data-kernel': k.kernel }, [
          el('td', { className: 'mono', text: k.kernel }),
          el('td', {}, [el('span', { className: 'badge s-' + k.state, text: k.state })]),
          el('td', { className: 'mono', text: k.image || '' }),
          el('td', { className: 'mono', text: short(k.digest, 19), title: k.digest || '' }),
          el('td', { text: k.attempts === undefined ? '' : String(k.attempts) }),
          el('td', { className: 'err', text: k.lastError || '' })
        ]);
      }))
    ]);
  }
  function placementBlock(title, p) {
    var mw = p.manifestWork;
    var loader = p.loader || {};
    return el('div', {}, [
      el('h3', {}, [title + ' ', el('span', { className: 'badge s-' + p.state, text: p.state }), ' ', el('small', { text: [p.reason, p.message].filter(Boolean).join(': ') })]),
      el('div', { text: 'ManifestWork: ' + (mw ? ('applied ' + mw.applied + ', available ' + mw.available + (mw.problems.length ? ' (' + mw.problems.join('; ') + ')' : '')) : 'not written') +
        ' · module loader: ' + (loader.available === undefined ? '?' : loader.available) + '/' + (loader.desired === undefined ? '?' : loader.desired) + ' nodes' }),
      kernelTable(p.kernels)
    ]);
  }
  function showDetail(kind, name, render) {
    view.detail = { kind: kind, name: name, render: render };
    return render();
  }
  function fillDetail(nodes) {
    var d = clear(document.getElementById('detail'));
    d.className = 'shown';
    nodes.forEach(function (n) { d.appendChild(n); });
  }
  function showModule(name) {
    return showDetail('module', name, function () {
      return api('/api/v1/modules/' + encodeURIComponent(name)).then(function (m) {
        fillDetail([el('h2', { text: 'Module ' + m.name + ' (' + m.state + ')' }), el('div', { text: 'spoke namespace ' + m.spokeNamespace + ' · ' + m.clusters.ready + '/' + m.clusters.selected + ' clusters ready' + (m.selectionError ? ' · ' + m.selectionError : '') })]
          .concat(m.placement.map(function (p) { return placementBlock('on ' + p.cluster, p); })));
      });
    });
  }
  function showCluster(name) {
    return showDetail('cluster', name, function () {
      return api('/api/v1/clusters/' + encodeURIComponent(name)).then(function (c) {
        var labels = Object.keys(c.labels).map(function (k) { return k + '=' + c.labels[k]; }).join(', ');
        fillDetail([
          el('h2', { text: 'Cluster ' + c.name }),
          el('div', { text: 'available: ' + c.available + ' · labels: ' + (labels || 'none') }),
          el('div', { text: 'kernels: ' + (c.kernelsReported ? c.kernels.map(function (k) { return k.kernel + (k.nodes === undefined ? '' : ' (' + k.nodes + ' nodes)'); }).join(', ') : 'not reported') })
        ].concat(c.placements.map(function (p) { return placementBlock('module ' + p.module, p); })));
      });
    });
  }
  function showPlacement(module, cluster) {
    return showDetail('module', module, function () {
      return api('/api/v1/modules/' + encodeURIComponent(module)).then(function (m) {
        var p = m.placement.filter(function (x) { return x.cluster === cluster; })[0];
        fillDetail([el('h2', { text: module + ' on ' + cluster }), p ? placementBlock('state', p) : el('div', { text: 'not selected any more' })]);
      });
    });
  }

  function progressBar(percent) {
    var fill = el('span');
    fill.style.width = Math.max(0, Math.min(100, percent)) + '%';
    return el('span', { className: 'bar' }, [fill]);
  }
  function buildRow(b) {
    var progress = b.percent === undefined ? (b.stage || '') : null;
    var retry = isAdmin() && b.state === 'failed'
      ? el('button', { text: 'retry', onclick: function () { api('/api/v1/builds/' + b.id + '/retry', 'POST').then(upsertBuild).catch(function (e) { message('retry failed: ' + e.message); }); } })
      : null;
    return el('tr', { id: 'build:' + b.id, 'data-state': b.state }, [
      el('td', { className: 'mono', text: b.id.slice(0, 12), title: b.id }),
      el('td', { text: b.module }),
      el('td', { className: 'mono', text: b.kernel }),
      el('td', {}, [el('span', { className: 'badge s-' + b.state, text: b.state })]),
      el('td', {}, progress !== null ? [progress] : [progressBar(b.percent), ' ' + (b.stage || '') + ' ' + b.percent + '%']),
      el('td', { text: String(b.attempts) }),
      el('td', { className: 'err', text: b.lastError || '' }),
      el('td', {}, [retry])
    ]);
  }
  function renderBuilds() {
    var tbody = clear(document.getElementById('builds').tBodies[0]);
    Array.from(view.builds.values())
      .sort(function (a, b) { return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0; })
      .forEach(function (b) { tbody.appendChild(buildRow(b)); });
  }
  function upsertBuild(b) {
    view.builds.set(b.id, b);
    var old = document.getElementById('build:' + b.id);
    if (old) old.replaceWith(buildRow(b)); else renderBuilds();
  }

  function loadFleet() {
    return Promise.all([api('/api/v1/fleet'), api('/api/v1/clusters?limit=500')]).then(function (r) {
      view.fleet = r[0];
      view.clusters = r[1].items;
      renderTotals();
      renderMatrix();
    });
  }
  var refetch = null;
  function scheduleRefetch() {
    if (refetch) return;
    refetch = setTimeout(function () { refetch = null; loadFleet().catch(function (e) { message(e.message); }); }, 300);
  }
  function onCells(ev) {
    var data = JSON.parse(ev.data);
    if (!view.fleet) return;
    view.fleet.totals = Object.assign({}, view.fleet.totals, data.totals, { builds: view.fleet.totals.builds });
    renderTotals();
    var needsLayout = false;
    data.changed.forEach(function (c) {
      var td = document.getElementById(cellId(c.module, c.cluster));
      if (td) setCell(td, c.state); else needsLayout = true;
    });
    if (needsLayout || data.changed.length === 0) scheduleRefetch();
    if (view.detail) view.detail.render().catch(function () { return undefined; });
  }
  function connect() {
    var live = document.getElementById('live');
    var es = new EventSource('/api/v1/events');
    es.addEventListener('hello', function () { live.textContent = 'live'; live.className = 'on'; body.dataset.live = 'true'; });
    es.addEventListener('cells', onCells);
    es.addEventListener('build', function (ev) { upsertBuild(JSON.parse(ev.data)); });
    es.onerror = function () {
      live.textContent = 'reconnecting'; live.className = ''; body.dataset.live = 'false';
      api('/api/v1/me').catch(function () { es.close(); });
    };
  }

  api('/api/v1/me').then(function (me) {
    view.me = me;
    document.getElementById('user').textContent = me.subject + ' (' + (me.roles.join(', ') || 'no role') + ')';
    document.getElementById('signout').hidden = me.via !== 'session';
    if (me.roles.length === 0) { message('Signed in as ' + me.subject + ', who has no KMM-Hub role.'); return; }
    return Promise.all([loadFleet(), api('/api/v1/builds?limit=100').then(function (p) { p.items.forEach(function (b) { view.builds.set(b.id, b); }); renderBuilds(); })])
      .then(function () { body.dataset.ready = 'true'; connect(); });
  }).catch(function (e) { if (e.message !== 'not signed in') message(e.message); });
})();
`;
