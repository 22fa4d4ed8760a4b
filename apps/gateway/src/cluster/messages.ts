import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { UpstreamView } from '../admin/upstream-view';

/**
 * The messages between the primary and its workers (GATEWAY_WORKERS > 1), over node:cluster's
 * IPC channel. Every message carries `oc` so that other users of the channel are ignored.
 */
export type WorkerMessage =
  /** Every 250 ms and at start: the worker's view of its upstreams. */
  | { oc: 'upstreams'; views: UpstreamView[] }
  /** The answer to a metrics request: the worker's registry as JSON. */
  | { oc: 'metrics'; id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] };

export type PrimaryMessage = { oc: 'metrics?'; id: number };

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return typeof message === 'object' && message !== null && 'oc' in message;
}

export function isPrimaryMessage(message: unknown): message is PrimaryMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { oc?: unknown }).oc === 'metrics?'
  );
}

/** How often a worker reports its upstreams to the primary. */
export const REPORT_INTERVAL_MS = 250;
