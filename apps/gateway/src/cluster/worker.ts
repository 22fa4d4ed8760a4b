import type { MetricsRegistry } from '@app/observability';
import { METRICS_REGISTRY } from '@app/observability';
import type { GatewayApp } from '../gateway.app';
import { REPORT_INTERVAL_MS, type WorkerMessage, isPrimaryMessage } from './messages';

/**
 * A data plane worker's side of GATEWAY_WORKERS > 1: report the upstreams to the primary every
 * 250 ms, and answer its metrics requests with this worker's registry.
 */
export function reportToPrimary(gateway: GatewayApp): void {
  const registry = gateway.app.get<MetricsRegistry>(METRICS_REGISTRY);
  const send = (message: WorkerMessage) => {
    if (process.connected) process.send?.(message);
  };
  const report = () => send({ oc: 'upstreams', views: gateway.core.views() });
  report();
  setInterval(report, REPORT_INTERVAL_MS).unref();
  process.on('message', (message: unknown) => {
    if (!isPrimaryMessage(message)) return;
    void registry
      .getMetricsAsJSON()
      .then((metrics) => send({ oc: 'metrics', id: message.id, metrics: metrics }));
  });
}
