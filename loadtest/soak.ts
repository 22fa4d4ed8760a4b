// A moderate rate for a long time: memory, connections and latency must stay flat (watch the
// Grafana "Redis & hit events" dashboard for RSS and event-loop lag while it runs).
//   RATE=100 DURATION=1h k6 run loadtest/soak.ts
import type { Options } from 'k6/options';
import { commonThresholds, constantRate, hit, summary, testId } from './lib/k6-common.ts';

export const options: Options = {
  scenarios: constantRate('soak', Number(__ENV.RATE || '100'), __ENV.DURATION || '1h'),
  thresholds: commonThresholds(100, 250),
  tags: { testid: testId('soak') },
};

export default function (): void {
  hit();
}

export const handleSummary = summary;
