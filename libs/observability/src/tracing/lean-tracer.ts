import {
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  type SpanStatus,
  SpanStatusCode,
  type TimeInput,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  context as contextApi,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
} from '@opentelemetry/semantic-conventions';
import { newSpanId, newTraceId } from './ids';
import type { InstrumentationScopeRecord, SpanEventRecord, SpanRecord } from './otlp-proto';
import type { Sampler } from './sampler';

/**
 * A lean OpenTelemetry tracer behind the standard `@opentelemetry/api`: every call site
 * (`trace.getTracer()`, `startSpan`, `propagation`, `context.with`) is the API's, only the
 * implementation underneath is ours.
 *
 * Why not the SDK's `TracerProvider`: its span validates and copies every attribute, converts
 * every time to `[seconds, nanos]` pairs, keeps limits, links and events machinery per span,
 * and then hands the span to a processor and an exporter that rebuild it twice more; with the
 * OTLP exporter that was ~9 µs of CPU per span (creation + attribute checks ~5 µs, protobuf
 * ~3.8 µs; docs/performance.md), four spans per request through the cluster, and tracing cost
 * 40–48% of the cluster's throughput. This span is a plain record: attributes go into one
 * object as given (our call sites pass only valid values), times are one `performance.now()`,
 * and ending it queues the record for {@link SpanSink} as is; the
 * exporter's encoder (otlp-proto.ts) does the rest in one pass per batch.
 *
 * What it does not do (and the apps do not use): span links, attribute count/length limits
 * (`OTEL_ATTRIBUTE_*_LIMIT`), span processors other than the exporter's batch.
 */

/** Where a finished, sampled span goes (the batching exporter). */
export interface SpanSink {
  add(span: SpanRecord): void;
}

/**
 * A time as a `performance.now()` reading (what span records hold; see SpanRecord). The API's
 * numbers are epoch milliseconds, or `performance.now()` readings when smaller than the
 * origin (the SDK's convention); `HrTime` is epoch `[seconds, nanoseconds]`.
 */
function perfTime(time: TimeInput | undefined): number {
  if (time === undefined) return performance.now();
  const origin = performance.timeOrigin;
  if (typeof time === 'number') return time < origin ? time : time - origin;
  if (time instanceof Date) return time.getTime() - origin;
  return time[0] * 1e3 + time[1] / 1e6 - origin;
}

/** The API's SpanKind (INTERNAL = 0 …) → OTLP's (INTERNAL = 1 …). */
const OTLP_KIND: Record<SpanKind, number> = {
  [SpanKind.INTERNAL]: 1,
  [SpanKind.SERVER]: 2,
  [SpanKind.CLIENT]: 3,
  [SpanKind.PRODUCER]: 4,
  [SpanKind.CONSUMER]: 5,
};

const NO_EVENTS: readonly SpanEventRecord[] = [];

class LeanSpan implements Span {
  private readonly record: SpanRecord;
  private events: SpanEventRecord[] | undefined;
  private ended = false;

  constructor(
    private readonly ctx: SpanContext,
    parentSpanId: string | undefined,
    name: string,
    kind: SpanKind,
    attributes: Attributes | undefined,
    startTime: TimeInput | undefined,
    scope: InstrumentationScopeRecord,
    private readonly sink: SpanSink,
  ) {
    this.record = {
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      parentSpanId,
      traceState: ctx.traceState?.serialize(),
      name,
      kind: OTLP_KIND[kind] ?? 1,
      start: perfTime(startTime),
      end: 0,
      // Our own object: callers' attribute objects are not kept (they may reuse them).
      attributes: { ...attributes },
      events: NO_EVENTS,
      statusCode: 0,
      statusMessage: undefined,
      flags: ctx.traceFlags,
      scope,
    };
  }

  spanContext(): SpanContext {
    return this.ctx;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (!this.ended) this.record.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    if (!this.ended) Object.assign(this.record.attributes, attributes);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const isTime =
      typeof attributesOrTime === 'number' ||
      attributesOrTime instanceof Date ||
      Array.isArray(attributesOrTime);
    const attributes = isTime ? {} : (attributesOrTime ?? {});
    const at = perfTime(isTime ? attributesOrTime : time);
    (this.events ??= []).push({ name, time: at, attributes: { ...attributes } });
    return this;
  }

  addLink(_link: Link): this {
    return this; // links are not recorded (unused here; see the class comment)
  }

  addLinks(_links: Link[]): this {
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended) return this;
    // OK is final; UNSET never overrides (API spec, Span status).
    if (this.record.statusCode === 1 || status.code === SpanStatusCode.UNSET) return this;
    this.record.statusCode = status.code === SpanStatusCode.OK ? 1 : 2;
    this.record.statusMessage = status.code === SpanStatusCode.ERROR ? status.message : undefined;
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.record.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    this.record.end = perfTime(endTime);
    if (this.events) this.record.events = this.events;
    this.sink.add(this.record);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes[ATTR_EXCEPTION_MESSAGE] = exception;
    } else {
      const type = exception.name ?? (exception.code !== undefined ? String(exception.code) : '');
      if (type) attributes[ATTR_EXCEPTION_TYPE] = type;
      if (exception.message) attributes[ATTR_EXCEPTION_MESSAGE] = exception.message;
      if (exception.stack) attributes[ATTR_EXCEPTION_STACKTRACE] = exception.stack;
    }
    this.addEvent('exception', attributes, time);
  }
}

class LeanTracer implements Tracer {
  constructor(
    private readonly scope: InstrumentationScopeRecord,
    private readonly sampler: Sampler,
    /** Undefined: propagate only (nothing is recorded, ids pass through). */
    private readonly sink: SpanSink | undefined,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = contextApi.active()): Span {
    const parent = options.root ? undefined : trace.getSpanContext(ctx);
    const validParent = parent && isSpanContextValid(parent) ? parent : undefined;
    if (!this.sink) {
      // Propagation only: a process that records nothing is transparent to the caller's trace
      // (its span id passes on, so the next recorded span's parent is one that exists); a
      // request that arrives without one gets a fresh, unsampled trace id for logs and events.
      return trace.wrapSpanContext(
        validParent ?? { traceId: newTraceId(), spanId: newSpanId(), traceFlags: TraceFlags.NONE },
      );
    }
    const traceId = validParent?.traceId ?? newTraceId();
    const sampled = this.sampler.shouldSample(validParent, traceId);
    const spanContext: SpanContext = {
      traceId,
      spanId: newSpanId(),
      traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
      traceState: validParent?.traceState,
    };
    if (!sampled) return trace.wrapSpanContext(spanContext);
    return new LeanSpan(
      spanContext,
      validParent?.spanId,
      name,
      options.kind ?? SpanKind.INTERNAL,
      options.attributes,
      options.startTime,
      this.scope,
      this.sink,
    );
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    a?: SpanOptions | F,
    b?: Context | F,
    c?: F,
  ): ReturnType<F> {
    const fn = (c ?? (typeof b === 'function' ? b : a)) as F;
    const options = typeof a === 'object' ? a : {};
    const parent = typeof b === 'object' ? b : contextApi.active();
    const span = this.startSpan(name, options, parent);
    return contextApi.with(trace.setSpan(parent, span), () => fn(span)) as ReturnType<F>;
  }
}

/** Our TracerProvider: one sampler and one sink for every tracer (scope) of the process. */
export class LeanTracerProvider implements TracerProvider {
  private readonly tracers = new Map<string, LeanTracer>();

  constructor(
    private readonly sampler: Sampler,
    private readonly sink: SpanSink | undefined,
  ) {}

  getTracer(name: string, version?: string): Tracer {
    const key = `${name}@${version ?? ''}`;
    let tracer = this.tracers.get(key);
    if (!tracer) {
      tracer = new LeanTracer({ name, version }, this.sampler, this.sink);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }
}
