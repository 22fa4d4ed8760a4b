// Pure logic of the distribution check, shared by the k6 scripts and unit-tested with jest.
// No k6 imports here.

export type Weights = Record<string, number>;

/** `web1=1,web2=2,web3=3` → { web1: 1, web2: 2, web3: 3 }; throws on anything else. */
export function parseWeights(value: string): Weights {
  const weights: Weights = {};
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const match = /^([A-Za-z0-9._-]+)=(\d+)$/.exec(part);
    if (!match || Number(match[2]) < 1)
      throw new Error(`bad weight "${part}" (expected name=positive integer)`);
    if (match[1] in weights) throw new Error(`node "${match[1]}" given twice`);
    weights[match[1]] = Number(match[2]);
  }
  if (Object.keys(weights).length === 0) throw new Error('no weights given');
  return weights;
}

/** Each node's expected share of requests: weight / total weight. */
export function expectedShares(weights: Weights): Record<string, number> {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(weights).map(([node, w]) => [node, w / total]));
}

/** Each node's actual share of `counts` (nodes with weights but no hits get 0). */
export function actualShares(
  counts: Record<string, number>,
  weights: Weights,
): Record<string, number> {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const nodes = new Set([...Object.keys(weights), ...Object.keys(counts)]);
  return Object.fromEntries(
    [...nodes].map((node) => [node, total === 0 ? 0 : (counts[node] ?? 0) / total]),
  );
}

/**
 * k6 threshold expressions bounding each node's share to expected ± tolerance (absolute), for
 * a Rate metric tagged by node: `{ 'node_share{node:web1}': ['rate>=0.1167', 'rate<=0.2167'] }`.
 */
export function shareThresholds(
  metric: string,
  weights: Weights,
  tolerance: number,
): Record<string, string[]> {
  const thresholds: Record<string, string[]> = {};
  for (const [node, share] of Object.entries(expectedShares(weights))) {
    const low = Math.max(0, share - tolerance);
    const high = Math.min(1, share + tolerance);
    thresholds[`${metric}{node:${node}}`] = [`rate>=${low.toFixed(4)}`, `rate<=${high.toFixed(4)}`];
  }
  return thresholds;
}

/** A fixed-width table of the split, for the end-of-test summary. */
export function formatSplit(counts: Record<string, number>, weights: Weights): string {
  const expected = expectedShares(weights);
  const actual = actualShares(counts, weights);
  const rows = Object.keys(actual)
    .sort()
    .map((node) => {
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
      return `  ${node.padEnd(10)} ${String(counts[node] ?? 0).padStart(7)} ${pct(actual[node])} ${
        node in expected ? pct(expected[node]) : '      -'
      }`;
    });
  return ['  node          hits  actual   weight', ...rows].join('\n');
}

/** The parts of k6's end-of-test summary data (k6 1.x `handleSummary`) read here. */
export interface SummaryMetrics {
  [name: string]: { type?: string; values: Record<string, number> } | undefined;
}

/**
 * Hits per node from k6's summary data. k6 keeps a tagged sub-metric (`name{tag:value}`) only
 * when a threshold names it, so the counter `node_hits{node:…}` never appears there; the rate
 * `node_share{node:X}` does (its share thresholds name it), and its `passes` are the responses
 * that node served.
 */
export function countsFromSummary(
  metrics: SummaryMetrics,
  metric = 'node_share',
): Record<string, number> {
  const counts: Record<string, number> = {};
  const pattern = new RegExp(`^${metric}\\{node:(.+)\\}$`);
  for (const [name, m] of Object.entries(metrics)) {
    const match = pattern.exec(name);
    if (match && m && typeof m.values.passes === 'number') counts[match[1]] = m.values.passes;
  }
  return counts;
}
