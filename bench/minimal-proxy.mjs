// The floor for any Node.js proxy on this machine, for `npm run bench` to show next to the
// gateway: node:http in, undici dispatch() out, keep-alive pools, the same 1:2:3 rotation
// (nginx's smooth weighted round robin, precomputed) — and nothing else. No health checks,
// retries, header rewriting, request ids, metrics, tracing or error answers: not a proxy
// to run, a measure of what Node itself costs per proxied request.
//
//   node bench/minimal-proxy.mjs PORT URL=WEIGHT...
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, ...targets] = process.argv.slice(2);
const upstreams = targets.map((t) => {
  const [url, weight] = t.split('=');
  return {
    pool: new Pool(url, { connections: 256, pipelining: 1 }),
    weight: Number(weight),
    current: 0,
  };
});

// nginx's smooth weighted round robin, one full cycle, computed once.
const total = upstreams.reduce((sum, u) => sum + u.weight, 0);
const cycle = [];
for (let i = 0; i < total; i++) {
  let best;
  for (const u of upstreams) {
    u.current += u.weight;
    if (!best || u.current > best.current) best = u;
  }
  best.current -= total;
  cycle.push(best.pool);
}

let next = 0;
createServer((req, res) => {
  const pool = cycle[next++ % cycle.length];
  pool.dispatch(
    { method: req.method, path: req.url, headers: req.rawHeaders, body: null },
    {
      onRequestStart() {},
      onResponseStart(controller, status) {
        res.on('drain', () => controller.resume());
        const raw = controller.rawHeaders;
        const headers = [];
        for (let i = 0; i < raw.length; i += 2) {
          const name = raw[i].toString('latin1');
          // Hop-by-hop fields stay behind, or Node would send two Connection headers.
          if (name.length === 10 && /^(connection|keep-alive)$/i.test(name)) continue;
          headers.push(name, raw[i + 1].toString('latin1'));
        }
        res.writeHead(status, headers);
      },
      onResponseData(controller, chunk) {
        if (!res.write(chunk)) controller.pause();
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError(_controller, err) {
        if (res.headersSent) res.destroy(err);
        else res.writeHead(502).end();
      },
    },
  );
}).listen(Number(port), '127.0.0.1');

process.on('SIGTERM', () => process.exit(0));
