// The lab's `for i in {0..99}; do curl …; done`, done right: 100 requests, each checked (exact
// body pattern, x-served-by), and the run fails if any node's share is off its weight.
//   k6 run loadtest/smoke.ts                       (BASE_URL=http://localhost:8080)
//   docker compose --profile loadtest run --rm k6 run /scripts/smoke.ts
import type { Options } from 'k6/options';
import { BASE_URL, commonThresholds, hit, summary, testId } from './lib/k6-common.ts';

export const options: Options = {
  scenarios: {
    // One user, 100 requests in order, like the loop: with smooth weighted round robin the
    // split over 100 requests is exact to within one cycle.
    smoke: { executor: 'shared-iterations', vus: 1, iterations: 100, maxDuration: '1m' },
  },
  thresholds: commonThresholds(200, 500),
  tags: { testid: testId('smoke') },
};

export function setup(): void {
  console.log(`smoke: 100 requests to ${BASE_URL}/ (testid ${testId('smoke')})`);
}

export default function (): void {
  hit();
}

export const handleSummary = summary;
