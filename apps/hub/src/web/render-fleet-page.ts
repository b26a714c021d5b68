// The fleet page's HTML shell; the data comes from the API (fleet.js). The attributes on <body> tell the script how
// the hub authenticates, so it knows whether to send the browser to the sign-in.

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
    <h2>Clusters × modules</h2>
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
