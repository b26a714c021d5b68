// The fleet page's HTML shell; the data comes from the API (fleet.js). The attributes on <body> tell the script how
// the hub authenticates, so it knows whether to send the browser to the sign-in.
import { CLUSTER_DELIVERY_STATES } from '@kmm-hub/api';

/** The delivery states the cluster list filters by (the CRD's, libs/api). */
const CLUSTER_STATES = Object.values(CLUSTER_DELIVERY_STATES);

export interface PageSettings {
  authMode: 'oidc' | 'disabled';
  webLogin: boolean;
}

export function renderFleetPage(settings: PageSettings): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>KMM-Hub fleet</title>
<link rel="stylesheet" href="/assets/fleet.css">
<script type="module" src="/assets/fleet.js"></script>
</head>
<body data-auth-mode="${settings.authMode}" data-web-login="${settings.webLogin}" data-ready="false" data-live="false">
<div id="dev-banner">DEV MODE: authentication is disabled (AUTH_MODE=disabled). Every visitor is an admin.</div>
<header>
  <h1>KMM-Hub fleet</h1>
  <span id="live">connecting</span>
  <span id="user"></span>
  <a id="signout" href="/auth/logout" hidden>sign out</a>
</header>
<main>
  <div id="message" role="status"></div>
  <section><div class="totals" id="totals"></div></section>
  <section>
    <h2>Modules</h2>
    <table id="modules">
      <thead><tr><th>module</th><th>state</th><th>clusters</th><th>clusters by state</th><th>kernels</th><th>images</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section>
    <h2>Clusters</h2>
    <form id="filters" role="search">
      <input id="search" type="search" placeholder="name or label (key=value)" aria-label="search clusters by name or label" maxlength="256">
      <select id="filter-state" aria-label="state">
        <option value="">any state</option>
        <option value="NeedsAttention">needs attention</option>
${CLUSTER_STATES.map((s) => `        <option value="${s}">${s}</option>`).join('\n')}
      </select>
      <select id="filter-module" aria-label="module"><option value="">any module</option></select>
      <select id="order" aria-label="order">
        <option value="attention">needing attention first</option>
        <option value="name">by name</option>
      </select>
    </form>
    <div class="pager"><button id="prev" type="button" disabled>previous</button><span id="range"></span><button id="next" type="button" disabled>next</button></div>
    <table id="matrix"><thead></thead><tbody></tbody></table>
  </section>
  <section id="detail" aria-live="polite"></section>
  <section>
    <h2>Build queue</h2>
    <table id="builds">
      <thead><tr><th>build</th><th>module</th><th>kernel</th><th>state</th><th>progress</th><th>attempts</th><th>last error</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
</body>
</html>
`;
}
