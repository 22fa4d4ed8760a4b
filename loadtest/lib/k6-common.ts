// Shared k6 pieces: configuration from env, the per-node metrics, the request + checks, and the
// end-of-test summary. Imported by every scenario.
import { check } from 'k6';
import http from 'k6/http';
import { Counter, Rate } from 'k6/metrics';
import type { Options } from 'k6/options';
import { textSummary } from 'https://jslib.k6.io/k6-summary/0.1.0/index.js';
import {
  type SummaryMetrics,
  type Weights,
  countsFromSummary,
  formatSplit,
  parseWeights,
  shareThresholds,
} from './distribution.ts';

export const BASE_URL = __ENV.BASE_URL || 'http://localhost:8080';
export const WEIGHTS: Weights = parseWeights(__ENV.WEIGHTS || 'web1=1,web2=2,web3=3');
/** Allowed absolute difference between a node's share and its weight's share. */
export const SHARE_TOLERANCE = Number(__ENV.SHARE_TOLERANCE || '0.05');
/**
 * The `testid` tag on every sample, so Grafana's k6 dashboard can pick one run: TESTID if given
 * (e.g. `TESTID=load-$(date +%s)`), else the scenario's name. Deterministic on purpose: k6
 * evaluates this code once per VU, and a timestamp would differ between them.
 */
export function testId(scenario: string): string {
  return __ENV.TESTID || scenario;
}

/** Responses per node (x-served-by): the split, exported to Prometheus as k6_node_hits_total. */
const nodeHits = new Counter('node_hits');
/** For each response and each node, "was it this node?": its rate is the node's share. */
const nodeShare = new Rate('node_share');

const BODY = /^This page has been viewed \d+ times!$/;

/** Thresholds every scenario shares: errors, latency, checks, and the per-node split. */
export function commonThresholds(p95Ms: number, p99Ms: number): Record<string, string[]> {
  return {
    http_req_failed: ['rate<0.01'],
    http_req_duration: [`p(95)<${p95Ms}`, `p(99)<${p99Ms}`],
    checks: ['rate>0.99'],
    ...shareThresholds('node_share', WEIGHTS, SHARE_TOLERANCE),
  };
}

/**
 * A constant-arrival-rate scenario with VUs sized for it (k6 adds VUs up to maxVUs when
 * responses slow down, so the rate holds; a rate it cannot hold shows as dropped_iterations).
 */
export function constantRate(name: string, rate: number, duration: string): Options['scenarios'] {
  return {
    [name]: {
      executor: 'constant-arrival-rate',
      rate,
      timeUnit: '1s',
      duration,
      preAllocatedVUs: Math.max(10, Math.ceil(rate / 10)),
      maxVUs: Math.max(50, rate),
    },
  };
}

/** One lab request: GET / through the gateway, checked like the lab's curl loop but strictly. */
export function hit(): void {
  const res = http.get(`${BASE_URL}/`, { tags: { name: 'GET /' } });
  const node = res.headers['X-Served-By'] ?? '';
  check(res, {
    'status is 200': (r) => r.status === 200,
    'body is the lab text': (r) => typeof r.body === 'string' && BODY.test(r.body),
    'x-served-by names a node': () => node !== '',
  });
  if (node === '') return;
  nodeHits.add(1, { node });
  for (const name of Object.keys(WEIGHTS)) nodeShare.add(node === name, { node: name });
}

interface SummaryData {
  metrics: SummaryMetrics;
}

/** k6's usual text summary, followed by the split per node against the weights. */
export function summary(data: SummaryData): Record<string, string> {
  const counts = countsFromSummary(data.metrics);
  const split = `\nsplit per node (x-served-by) vs weights ${JSON.stringify(WEIGHTS)}:\n${formatSplit(counts, WEIGHTS)}\n`;
  return { stdout: `${textSummary(data, { indent: ' ', enableColors: true })}\n${split}` };
}
