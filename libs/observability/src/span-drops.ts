import {
  type Attributes,
  type Counter,
  type Meter,
  type MeterProvider,
  createNoopMeter,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

/** Why a recorded span never reached the collector (`reason` of the drop counter). */
export type SpanDropReason = 'queue_full' | 'export_failed';

/**
 * Spans dropped in this process so far, by reason: written by tracing.ts from what the SDK's
 * batch processor reports, read by the `otel_sdk_spans_dropped_total` counter
 * (metrics/registry.ts). Module state because tracing starts before any app (and its metrics
 * registry) exists.
 */
export const spanDrops: Record<SpanDropReason, number> = { queue_full: 0, export_failed: 0 };

/**
 * The batch processor's `selfObsMeterProvider` (tracing.ts): it reports each batch's outcome,
 * and each span its full queue refused, as the SDK's own self-observability counter
 * `otel.sdk.processor.span.processed` (with `error.type` on failures). Only that counter is
 * read, into {@link spanDrops}: a meter of the API's no-op kind with one real instrument, so no
 * OTel metrics SDK runs for it.
 */
export const spanDropMeterProvider: MeterProvider = {
  getMeter(): Meter {
    const meter = createNoopMeter();
    const createCounter = meter.createCounter.bind(meter);
    meter.createCounter = <A extends Attributes>(name: string, opts?: object): Counter<A> =>
      name === 'otel.sdk.processor.span.processed'
        ? { add: (value: number, attributes?: A) => countProcessedSpans(value, attributes) }
        : createCounter<A>(name, opts);
    return meter;
  },
};

/**
 * One report of the SDK's `otel.sdk.processor.span.processed` counter: `error.type` is
 * `queue_full` for spans the full queue refused, the error's name for a batch the exporter
 * failed, and absent for spans delivered.
 */
export function countProcessedSpans(value: number, attributes: Attributes | undefined): void {
  const type = attributes?.[ATTR_ERROR_TYPE];
  if (type === undefined) return;
  spanDrops[type === 'queue_full' ? 'queue_full' : 'export_failed'] += value;
}
