// Steady load at a fixed arrival rate: does the cluster hold RATE requests/s with the split
// right and latency in bounds?
//   RATE=200 DURATION=2m k6 run loadtest/load.ts
import type { Options } from 'k6/options';
import { TESTID, commonThresholds, hit, summary } from './lib/k6-common.ts';

const RATE = Number(__ENV.RATE || '200');
const DURATION = __ENV.DURATION || '2m';

export const options: Options = {
  scenarios: {
    load: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: Math.max(10, Math.ceil(RATE / 10)),
      maxVUs: Math.max(50, RATE),
    },
  },
  thresholds: commonThresholds(100, 250),
  tags: { testid: TESTID },
};

export default function (): void {
  hit();
}

export const handleSummary = summary;
