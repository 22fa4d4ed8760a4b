#!/usr/bin/env node
// npm run bench:ab — two builds of the project measured alternately by bench/bench.mjs, for the
// before/after of a change to a request path. A benchmark, not a test: it prints figures.
//
//   node bench/ab.mjs --a /path/to/old-checkout --b . [--node-a BIN] [--node-b BIN]
//                     [--only proxy,node,cluster,tracing] [--rounds 3]
//
// Each checkout must have been built (`npm run build`: dist/apps/*) and have its own
// node_modules. Every round runs bench.mjs once per build, the order alternating (A B, B A, …)
// so that a drift of this shared machine's load falls on both; the table gives, per row and
// round, B's req/s over A's and each process's CPU µs per request A → B. Rows are matched by
// their key in bench.mjs's results; a row only one build has (a new mode) is listed as such.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: join(here, '..') },
    'node-a': { type: 'string', default: process.execPath },
    'node-b': { type: 'string', default: process.execPath },
    only: { type: 'string', default: 'proxy,node,cluster' },
    rounds: { type: 'string', default: '3' },
  },
});
if (!values.a) {
  console.error(
    'usage: node bench/ab.mjs --a OLD_CHECKOUT [--b NEW_CHECKOUT] [--only …] [--rounds N]',
  );
  process.exit(2);
}
const builds = {
  A: { root: resolve(values.a), node: values['node-a'] },
  B: { root: resolve(values.b), node: values['node-b'] },
};
const rounds = Number(values.rounds);
const tmp = mkdtempSync(join(tmpdir(), 'oc-bench-ab-'));

function runBench(label, build, round) {
  const out = join(tmp, `${label}-${round}.json`);
  console.log(`\nab: round ${round}, build ${label} (${build.root}, ${build.node})`);
  return new Promise((ok, fail) => {
    const child = spawn(build.node, [join(here, 'bench.mjs')], {
      env: {
        ...process.env,
        BENCH_APPS_ROOT: build.root,
        BENCH_ONLY: values.only,
        BENCH_RESULTS: out,
      },
      stdio: 'inherit',
    });
    child.once('error', fail);
    child.once('exit', (code) =>
      code === 0
        ? ok(JSON.parse(readFileSync(out, 'utf8')))
        : fail(new Error(`bench.mjs exited ${code}`)),
    );
  });
}

/** phase.row → row, for every measured row of one result file. */
function rowsOf(result) {
  const rows = new Map();
  for (const [phase, phaseRows] of Object.entries(result.phases))
    for (const [key, row] of Object.entries(phaseRows))
      if (row && typeof row === 'object' && 'rps' in row) rows.set(`${phase}.${key}`, row);
  return rows;
}

const runs = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 ? ['A', 'B'] : ['B', 'A'];
    const pair = {};
    for (const label of order) pair[label] = rowsOf(await runBench(label, builds[label], round));
    runs.push(pair);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const keys = [...new Set(runs.flatMap((r) => [...r.A.keys(), ...r.B.keys()]))];
const cpuText = (a, b) =>
  Object.keys({ ...a, ...b })
    .map((p) => `${p} ${a?.[p] ?? '–'}→${b?.[p] ?? '–'}`)
    .join(', ');
console.log(`\nab: B / A, req/s per round (A = ${builds.A.root}, B = ${builds.B.root})`);
for (const key of keys) {
  const cells = runs.map(({ A, B }) => {
    const a = A.get(key);
    const b = B.get(key);
    if (!a || !b) return a ? 'only A' : 'only B';
    return `${(b.rps / a.rps).toFixed(2)} (${a.rps}→${b.rps}; µs/req ${cpuText(a.cpuUsPerRequest, b.cpuUsPerRequest)})`;
  });
  console.log(`  ${key}`);
  cells.forEach((c, i) => console.log(`    round ${i + 1}: ${c}`));
}
