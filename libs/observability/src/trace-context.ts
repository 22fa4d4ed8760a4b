import { type Span, SpanStatusCode, isSpanContextValid, trace } from '@opentelemetry/api';

export interface TraceIds {
  traceId: string;
  spanId: string;
}

/** Ids of the active span, or undefined when there is none (tracing disabled or off-request). */
export function activeTraceIds(): TraceIds | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  if (!ctx || !isSpanContextValid(ctx)) return undefined;
  return { traceId: ctx.traceId, spanId: ctx.spanId };
}

/**
 * Trace id of the active span when this process records and exports it, else undefined. For
 * exemplars: a metric must only point at a trace that Tempo will have. A sampled flag alone is
 * not enough (a caller's sampled trace passes through a process that exports nothing). Logs
 * and hit events take {@link activeTraceIds} instead, recorded or not, to correlate.
 */
export function sampledTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}

/** End a span, recording `err` as an exception and error status when given. */
export function endSpan(span: Span, err?: unknown): void {
  if (err !== undefined) {
    const error =
      err instanceof Error ? err : new Error(typeof err === 'string' ? err : JSON.stringify(err));
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  }
  span.end();
}
