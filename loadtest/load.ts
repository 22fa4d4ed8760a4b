// Steady load at a fixed arrival rate: does the cluster hold RATE requests/s with the split
// right and latency in bounds?
//   RATE=200 DURATION=2m k6 run loadtest/load.ts
import type { Options } from 'k6/options';
import { commonThresholds, constantRate, hit, summary, testId } from './lib/k6-common.ts';

export const options: Options = {
  scenarios: constantRate('load', Number(__ENV.RATE || '200'), __ENV.DURATION || '2m'),
  thresholds: commonThresholds(100, 250),
  tags: { testid: testId('load') },
};

export default function (): void {
  hit();
}

export const handleSummary = summary;
