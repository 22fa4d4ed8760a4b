import { type Attributes, type Span, SpanKind, type Tracer, trace } from '@opentelemetry/api';

/**
 * A client span (an outgoing call: an upstream attempt, a Redis command) as a child of the
 * active span, or undefined when that span is not recording: with tracing off, no exporter, or
 * a request the sampler left out, nobody would see the child, so it is not even built. A call
 * made outside any request (readiness PINGs, the hit subscriber) gets no span either: alone,
 * it would be a trace of one span every second, noise without a request to explain.
 * `attributes` may be a function, so that nothing is built for a span that is not made.
 */
export function startClientSpan(
  tracer: Tracer,
  name: string,
  attributes: Attributes | (() => Attributes),
): Span | undefined {
  if (!trace.getActiveSpan()?.isRecording()) return undefined;
  return tracer.startSpan(name, {
    kind: SpanKind.CLIENT,
    attributes: typeof attributes === 'function' ? attributes() : attributes,
  });
}
