import type { Worker } from 'node:cluster';
import type { MetricsRegistry, MetricsSource } from '@app/observability';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { type PrimaryMessage, isWorkerMessage } from './messages';

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** A worker that does not answer within this is left out of one scrape (and not waited for). */
const WORKER_TIMEOUT_MS = 1000;

/**
 * `/metrics` of the primary with GATEWAY_WORKERS > 1: its own registry (the live view's metrics,
 * its process) and every worker's (the data plane's), asked over IPC at each scrape and merged
 * by prom-client's AggregatorRegistry: counters and histograms summed, `gateway_upstream_up` the
 * minimum, `gateway_upstream_weight` the first. Exemplars do not survive the merge, and the
 * answer is always the classic text format.
 */
export class ClusterMetrics implements MetricsSource {
  private nextId = 0;

  constructor(
    private readonly registry: MetricsRegistry,
    private readonly workers: () => readonly Worker[],
  ) {}

  async render(): Promise<{ contentType: string; body: string }> {
    const parts = await Promise.all([
      this.registry.getMetricsAsJSON() as Promise<MetricsJson>,
      ...this.workers().map((w) => this.ask(w)),
    ]);
    const merged = AggregatorRegistry.aggregate(parts.filter((p): p is MetricsJson => !!p));
    return { contentType: merged.contentType, body: await merged.metrics() };
  }

  private ask(worker: Worker): Promise<MetricsJson | undefined> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      const done = (metrics: MetricsJson | undefined) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve(metrics);
      };
      const onMessage = (message: unknown) => {
        if (isWorkerMessage(message) && message.oc === 'metrics' && message.id === id)
          done(message.metrics);
      };
      const timer = setTimeout(() => done(undefined), WORKER_TIMEOUT_MS);
      worker.on('message', onMessage);
      const request: PrimaryMessage = { oc: 'metrics?', id };
      if (worker.isConnected()) worker.send(request);
      else done(undefined);
    });
  }
}
