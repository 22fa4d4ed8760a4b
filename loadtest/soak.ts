// A moderate rate for a long time: memory, connections and latency must stay flat (watch the
// Grafana "Redis & hit events" dashboard for RSS and event-loop lag while it runs).
//   RATE=100 DURATION=1h k6 run loadtest/soak.ts
import type { Options } from 'k6/options';
import { TESTID, commonThresholds, hit, summary } from './lib/k6-common.ts';

const RATE = Number(__ENV.RATE || '100');
const DURATION = __ENV.DURATION || '1h';

export const options: Options = {
  scenarios: {
    soak: {
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
