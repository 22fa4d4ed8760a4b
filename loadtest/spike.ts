// A sudden burst on top of a low base rate, and back: no errors, the split holds, latency
// recovers.   BASE_RATE=50 SPIKE_RATE=2000 k6 run loadtest/spike.ts
import type { Options } from 'k6/options';
import { commonThresholds, hit, summary, testId } from './lib/k6-common.ts';

const BASE = Number(__ENV.BASE_RATE || '50');
const SPIKE = Number(__ENV.SPIKE_RATE || '2000');

export const options: Options = {
  scenarios: {
    spike: {
      executor: 'ramping-arrival-rate',
      startRate: BASE,
      timeUnit: '1s',
      preAllocatedVUs: 50,
      maxVUs: Math.max(200, Math.ceil(SPIKE / 5)),
      stages: [
        { target: BASE, duration: '30s' },
        { target: SPIKE, duration: '5s' },
        { target: SPIKE, duration: '30s' },
        { target: BASE, duration: '5s' },
        { target: BASE, duration: '30s' },
      ],
    },
  },
  thresholds: commonThresholds(250, 1000),
  tags: { testid: testId('spike') },
};

export default function (): void {
  hit();
}

export const handleSummary = summary;
