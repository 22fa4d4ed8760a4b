/**
 * The live traffic page (GET / on the admin port): one self-contained HTML document, no build
 * step. It opens an EventSource on /events — which reconnects by itself when the gateway or
 * Redis restarts — and redraws from each snapshot. Colours meet WCAG AA contrast on their
 * backgrounds; every bar carries its numbers as text, so nothing is told by colour alone.
 */
export const LIVE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>observable-cluster · live traffic</title>
<style>
  :root {
    --bg: #f6f7f9; --card: #ffffff; --ink: #1c2430; --muted: #56606e; --line: #dde1e7;
    --actual: #2b5fb4; --weight: #1c2430; --ok: #1f7a3f; --bad: #b3261e; --warn: #8a5300;
    font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--ink); }
  header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; padding: 1rem 1.5rem;
    background: var(--card); border-bottom: 1px solid var(--line); }
  h1 { font-size: 1.25rem; margin: 0; }
  h2 { font-size: 1rem; margin: 0 0 .75rem; }
  .pill { font-size: .8rem; padding: .15rem .6rem; border-radius: 999px; border: 1px solid currentColor; }
  .ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); }
  main { display: grid; gap: 1rem; padding: 1rem 1.5rem; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); }
  section { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; overflow-x: auto; }
  table { width: 100%; border-collapse: collapse; font-size: .9rem; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: .35rem .4rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 600; }
  td.num, th.num { text-align: right; }
  .bar { margin: .6rem 0 1rem; }
  .bar-label { display: flex; justify-content: space-between; font-size: .9rem; font-variant-numeric: tabular-nums; }
  .track { position: relative; height: 1.1rem; background: #e9edf2; border-radius: .25rem; margin-top: .25rem; }
  .fill { position: absolute; inset: 0 auto 0 0; background: var(--actual); border-radius: .25rem; transition: width .3s; }
  .mark { position: absolute; top: -.2rem; bottom: -.2rem; width: 3px; background: var(--weight); }
  .legend { font-size: .8rem; color: var(--muted); }
  .legend i { display: inline-block; width: .8rem; height: .8rem; vertical-align: -.1rem; margin: 0 .3rem 0 .8rem; }
  .big { font-size: 2rem; font-weight: 700; font-variant-numeric: tabular-nums; }
  #feed { list-style: none; margin: 0; padding: 0; max-height: 20rem; overflow-y: auto; font-family: ui-monospace, monospace; font-size: .85rem; }
  #feed li { padding: .2rem 0; border-bottom: 1px solid var(--line); }
  .note { font-size: .85rem; color: var(--muted); }
  @media (min-width: 1100px) {
    main { grid-template-columns: 1fr 1fr 1fr; }
    #s-feed { grid-column: 3; grid-row: 1 / span 2; }
    #s-up { grid-column: 1 / span 2; }
    #feed { max-height: 36rem; }
  }
  @media (prefers-reduced-motion: reduce) { .fill { transition: none; } }
</style>
</head>
<body>
<header>
  <h1>observable-cluster · live traffic</h1>
  <span id="stream" class="pill warn" role="status">connecting…</span>
  <span id="redis" class="pill warn" role="status">hit events: …</span>
  <span class="note">gateway admin port · <a href="/upstreams">/upstreams</a> · <a href="/metrics">/metrics</a></span>
</header>
<main>
  <section aria-labelledby="h-split">
    <h2 id="h-split">Share per node: actual vs weight</h2>
    <div id="bars"></div>
    <div class="legend"><i style="background:var(--actual)"></i>actual share of live hits<i style="background:var(--weight)"></i>weight share</div>
  </section>
  <section aria-labelledby="h-rate">
    <h2 id="h-rate">Hits per second</h2>
    <div class="big" id="rate" data-testid="rate">0</div>
    <table><thead><tr><th>node</th><th class="num">hits/s</th><th class="num">live total</th><th class="num">in Redis</th></tr></thead>
    <tbody id="nodes"></tbody>
    <tfoot><tr><th>all</th><th></th><th class="num" id="live-total">0</th><th class="num" id="redis-total">–</th></tr></tfoot></table>
    <p class="note">Live totals count the events this page's gateway received since it started.
    Redis pub/sub is at-most-once: while a subscriber reconnects it misses events, so live
    numbers can lag. "In Redis" are the authoritative counter keys (<code>counter</code>,
    <code>hits:by-node</code>).</p>
  </section>
  <section id="s-up" aria-labelledby="h-up">
    <h2 id="h-up">Upstreams</h2>
    <table><thead><tr><th>upstream</th><th>node</th><th class="num">weight</th><th>state</th><th class="num">in-flight</th><th class="num">requests</th></tr></thead>
    <tbody id="upstreams"></tbody></table>
  </section>
  <section id="s-feed" aria-labelledby="h-feed">
    <h2 id="h-feed">Latest hits</h2>
    <ul id="feed" role="log" aria-live="off" aria-label="latest hits, newest first"></ul>
  </section>
</main>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const text = (el, value) => { if (el.textContent !== String(value)) el.textContent = String(value); };
  const pct = (x) => (x * 100).toFixed(1) + '%';
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const seen = new Set();

  function pill(el, cls, label) { el.className = 'pill ' + cls; text(el, label); }

  function render(s) {
    pill($('redis'), !s.enabled ? 'warn' : s.connected ? 'ok' : 'bad',
      !s.enabled ? 'hit events: off (gateway has no REDIS_URL)' : s.connected ? 'hit events: subscribed' : 'hit events: reconnecting to Redis…');

    // Weight share among upstreams in rotation, by the node each upstream answers as.
    const up = s.upstreams.filter((u) => u.state === 'up');
    const weightSum = up.reduce((a, u) => a + u.weight, 0) || 1;
    const weightOf = {};
    for (const u of up) if (u.node) weightOf[u.node] = (weightOf[u.node] || 0) + u.weight / weightSum;
    const auth = s.authoritative;
    const nodes = [...new Set([...Object.keys(s.live.totals), ...Object.keys(weightOf), ...(auth ? Object.keys(auth.byNode) : [])])].sort();

    $('bars').innerHTML = nodes.map((n) => {
      const actual = s.live.total ? (s.live.totals[n] || 0) / s.live.total : 0;
      const weight = weightOf[n] || 0;
      return '<div class="bar" data-node="' + esc(n) + '"><div class="bar-label"><strong>' + esc(n) + '</strong><span>actual ' + pct(actual) + ' · weight ' + pct(weight) + '</span></div>' +
        '<div class="track" role="img" aria-label="' + esc(n) + ': actual ' + pct(actual) + ', weight ' + pct(weight) + '">' +
        '<div class="fill" style="width:' + (actual * 100) + '%"></div><div class="mark" style="left:calc(' + (weight * 100) + '% - 1px)"></div></div></div>';
    }).join('');

    text($('rate'), s.live.rate.toFixed(1));
    $('nodes').innerHTML = nodes.map((n) =>
      '<tr><td>' + esc(n) + '</td><td class="num">' + (s.live.rates[n] || 0).toFixed(1) + '</td>' +
      '<td class="num" data-testid="live-' + esc(n) + '">' + (s.live.totals[n] || 0) + '</td>' +
      '<td class="num" data-testid="redis-' + esc(n) + '">' + (auth ? (auth.byNode[n] || 0) : '–') + '</td></tr>').join('');
    text($('live-total'), s.live.total);
    text($('redis-total'), auth ? auth.total : 'unavailable');

    $('upstreams').innerHTML = s.upstreams.map((u) =>
      '<tr><td>' + esc(u.id) + '</td><td>' + esc(u.node || '–') + '</td><td class="num">' + u.weight + '</td>' +
      '<td class="' + (u.state === 'up' ? 'ok' : 'bad') + '">' + (u.state === 'up' ? '● up' : '○ down (' + esc(u.reason) + ')') + '</td>' +
      '<td class="num">' + u.inFlight + '</td><td class="num">' + u.requests + '</td></tr>').join('');

    const feed = $('feed');
    for (const e of [...s.live.recent].reverse()) {
      const key = e.node + ':' + e.count + ':' + e.ts;
      if (seen.has(key)) continue;
      seen.add(key);
      const li = document.createElement('li');
      li.textContent = e.ts.slice(11, 23) + '  #' + e.count + '  ' + e.node + (e.traceId ? '  trace ' + e.traceId.slice(0, 8) : '');
      feed.prepend(li);
    }
    while (feed.children.length > 50) feed.lastElementChild.remove();
    if (seen.size > 5000) seen.clear();
  }

  function connect() {
    const source = new EventSource('events');
    source.addEventListener('open', () => pill($('stream'), 'ok', 'live'));
    source.addEventListener('error', () => pill($('stream'), 'bad', 'reconnecting to the gateway…'));
    source.addEventListener('snapshot', (m) => render(JSON.parse(m.data)));
  }
  connect();
})();
</script>
</body>
</html>
`;
