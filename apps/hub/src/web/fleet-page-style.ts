// Styles of the fleet page (served as /assets/fleet.css; the page's CSP allows no inline style).
export const FLEET_PAGE_CSS = `
:root { --ok: #1a7f37; --prog: #0969da; --pend: #6e7781; --bad: #cf222e; --warn: #bc4c00; --bg: #f6f8fa; --line: #d0d7de; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 "DejaVu Sans", system-ui, sans-serif; color: #1f2328; background: #fff; }
header { display: flex; gap: 16px; align-items: center; padding: 10px 20px; background: #24292f; color: #fff; }
header h1 { font-size: 18px; margin: 0; flex: 1; }
header a { color: #fff; }
#live { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: var(--pend); }
#live.on { background: var(--ok); }
#dev-banner { display: none; padding: 8px 20px; background: var(--bad); color: #fff; font-weight: bold; }
body[data-auth-mode="disabled"] #dev-banner { display: block; }
main { padding: 16px 20px; display: grid; gap: 20px; }
#message { padding: 12px; background: #fff8c5; border: 1px solid #d4a72c; display: none; }
#message.shown { display: block; }
.totals { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 150px; background: var(--bg); }
.card b { display: block; font-size: 22px; }
.card small { color: #57606a; }
h2 { font-size: 16px; margin: 0 0 8px; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
button.link { background: none; border: 0; padding: 0; color: var(--prog); cursor: pointer; font: inherit; text-decoration: underline; }
td.cell { text-align: center; cursor: pointer; color: #fff; font-weight: 600; min-width: 96px; }
td.cell.none { background: #fff; color: #8c959f; cursor: default; font-weight: normal; }
.s-Ready { background: var(--ok); }
.s-Progressing, .s-Building, .s-Signing, .s-building, .s-signing { background: var(--prog); }
.s-Pending, .s-Checking, .s-Idle, .s-queued { background: var(--pend); }
.s-NoKernels, .s-Unmapped { background: #afb8c1; }
.s-Degraded, .s-Failed, .s-Invalid, .s-failed { background: var(--bad); }
.s-Missing { background: var(--warn); }
.s-succeeded { background: var(--ok); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; }
.avail { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 6px; background: var(--pend); }
.avail.True { background: var(--ok); }
.avail.False { background: var(--bad); }
.bar { width: 140px; height: 10px; background: #eaeef2; border-radius: 5px; overflow: hidden; display: inline-block; vertical-align: middle; }
.bar span { display: block; height: 100%; background: var(--prog); }
.mono { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
.err { color: var(--bad); max-width: 420px; white-space: pre-wrap; }
.num { text-align: right; }
.states { display: flex; width: 160px; height: 10px; border-radius: 5px; overflow: hidden; background: #eaeef2; margin: 4px 0; }
.states span { display: block; height: 100%; }
#filters { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 8px; }
#search { min-width: 280px; padding: 4px 8px; font: inherit; }
.pager { display: flex; gap: 12px; align-items: center; margin-bottom: 8px; }
#detail { display: none; border: 1px solid var(--line); border-radius: 6px; padding: 12px; }
#detail.shown { display: block; }
#detail table { margin: 6px 0 12px; }
`;
