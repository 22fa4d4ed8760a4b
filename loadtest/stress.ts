// Ramp the arrival rate up until the thresholds break, then stop: the run's last passing
// stage is the cluster's capacity on that machine.
//   START_RATE=100 PEAK_RATE=5000 STAGE=30s k6 run loadtest/stress.ts
import type { Options } from 'k6/options';
import { WEIGHTS, hit, summary, testId } from './lib/k6-common.ts';
import { shareThresholds } from './lib/distribution.ts';

const START = Number(__ENV.START_RATE || '100');
const PEAK = Number(__ENV.PEAK_RATE || '5000');
const STAGE = __ENV.STAGE || '30s';
const STEPS = 6;

export const options: Options = {
  scenarios: {
    stress: {
      executor: 'ramping-arrival-rate',
      startRate: START,
      timeUnit: '1s',
      preAllocatedVUs: 50,
      maxVUs: Math.max(200, Math.ceil(PEAK / 5)),
      stages: Array.from({ length: STEPS }, (_, i) => ({
        target: Math.round(START + ((PEAK - START) * (i + 1)) / STEPS),
        duration: STAGE,
      })),
    },
  },
  // abortOnFail: the run stops at the first sustained breach instead of hammering on.
  thresholds: {
    http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '10s' }],
    http_req_duration: [
      { threshold: 'p(95)<250', abortOnFail: true, delayAbortEval: '10s' },
      { threshold: 'p(99)<500', abortOnFail: true, delayAbortEval: '10s' },
    ],
    checks: ['rate>0.99'],
    ...shareThresholds('node_share', WEIGHTS, Number(__ENV.SHARE_TOLERANCE || '0.05')),
  },
  tags: { testid: testId('stress') },
};

export default function (): void {
  hit();
}

export const handleSummary = summary;
