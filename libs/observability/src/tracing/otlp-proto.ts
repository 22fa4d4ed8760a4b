import type { AttributeValue, Attributes } from '@opentelemetry/api';

/**
 * OTLP/protobuf encoding of finished spans (an `ExportTraceServiceRequest`,
 * opentelemetry-proto `collector/trace/v1` and `trace/v1`), written straight from our span
 * records into one buffer.
 *
 * Why not `@opentelemetry/otlp-transformer`: it first builds an intermediate object tree per
 * span (hex ids to bytes, attributes to `KeyValue` objects, times to `{low, high}`) and then
 * protobufjs walks it again; ~3.8 µs per span in a profile of a web node exporting every span
 * (docs/performance.md), about as much as the request's own work in Redis. This writer does
 * one pass and allocates nothing per span but the output.
 */

/**
 * A finished span as the exporter needs it. Times are `performance.now()` readings
 * (milliseconds since `performance.timeOrigin`): the encoder turns them into epoch nanoseconds.
 */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  traceState: string | undefined;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  start: number;
  end: number;
  attributes: Attributes;
  events: readonly SpanEventRecord[];
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string | undefined;
  /** W3C trace flags (01 = sampled). */
  flags: number;
  scope: InstrumentationScopeRecord;
}

export interface SpanEventRecord {
  name: string;
  time: number;
  attributes: Attributes;
}

export interface InstrumentationScopeRecord {
  name: string;
  version: string | undefined;
}

// Wire types (protobuf encoding spec).
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/** Hex digit char code → value (ids are lower-case hex; upper case is accepted too). */
const HEX = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

/** A growable protobuf writer: one buffer, no object or closure per field. */
export class ProtoWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private varint(value: number): void {
    this.ensure(10);
    let v = value;
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  private tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** An optional string: nothing is written for undefined or "" (proto3 default). */
  string(field: number, value: string | undefined): void {
    if (value) this.stringValue(field, value);
  }

  /** A string that is written even when empty (AnyValue.string_value: "" is a value). */
  stringValue(field: number, value: string): void {
    this.tag(field, LEN);
    const n = value.length;
    if (n < 0x80) {
      // Short ASCII (names, keys, methods, addresses): copied char by char, no native call.
      this.ensure(n + 1);
      const buf = this.buf;
      const lengthAt = this.pos;
      let at = lengthAt + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at++] = c;
      }
      if (i === n) {
        buf[lengthAt] = n;
        this.pos = at;
        return;
      }
    }
    const length = Buffer.byteLength(value);
    this.varint(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, 'utf8');
  }

  /** Hex id → raw bytes (trace and span ids travel as bytes). */
  hexBytes(field: number, hex: string | undefined): void {
    if (!hex) return;
    const length = hex.length >>> 1;
    this.tag(field, LEN);
    this.varint(length);
    this.ensure(length);
    const buf = this.buf;
    for (let i = 0, at = this.pos; i < length; i++, at++)
      buf[at] = (HEX[hex.charCodeAt(2 * i)] << 4) | HEX[hex.charCodeAt(2 * i + 1)];
    this.pos += length;
  }

  uint(field: number, value: number): void {
    if (!value) return;
    this.tag(field, VARINT);
    this.varint(value);
  }

  /** int64 as a varint; negative values take ten bytes (two's complement). */
  int64(field: number, value: number): void {
    this.tag(field, VARINT);
    if (value >= 0) {
      this.varint(value);
      return;
    }
    this.ensure(10);
    let v = BigInt.asUintN(64, BigInt(value));
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  bool(field: number, value: boolean): void {
    this.tag(field, VARINT);
    this.varint(value ? 1 : 0);
  }

  double(field: number, value: number): void {
    this.tag(field, FIXED64);
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(value, this.pos);
  }

  /** A fixed64 given as its two 32-bit halves (span times: see {@link SpanRecord}). */
  fixed64(field: number, high: number, low: number): void {
    this.tag(field, FIXED64);
    this.ensure(8);
    this.buf.writeUInt32LE(low, this.pos);
    this.buf.writeUInt32LE(high, this.pos + 4);
    this.pos += 8;
  }

  fixed32(field: number, value: number): void {
    this.tag(field, FIXED32);
    this.ensure(4);
    this.pos = this.buf.writeUInt32LE(value, this.pos);
  }

  /**
   * Start a nested message (field `field`); {@link end} patches its length in. One length
   * byte is reserved and widened afterwards when the content is 128 bytes or more.
   */
  begin(field: number): number {
    this.tag(field, LEN);
    this.ensure(1);
    return this.pos++;
  }

  end(lengthAt: number): void {
    const start = lengthAt + 1;
    const length = this.pos - start;
    if (length < 0x80) {
      this.buf[lengthAt] = length;
      return;
    }
    // Widen the reserved byte: move the content right by the extra varint bytes.
    let extra = 0;
    for (let v = length >>> 7; v > 0; v >>>= 7) extra++;
    this.ensure(extra);
    this.buf.copy(this.buf, start + extra, start, this.pos);
    let v = length;
    let at = lengthAt;
    while (v > 0x7f) {
      this.buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[at] = v;
    this.pos += extra;
  }
}

function anyValue(w: ProtoWriter, value: AttributeValue): void {
  // AnyValue: 1 string, 2 bool, 3 int, 4 double, 5 array.
  switch (typeof value) {
    case 'string':
      w.stringValue(1, value);
      return;
    case 'boolean':
      w.bool(2, value);
      return;
    case 'number':
      if (Number.isSafeInteger(value)) w.int64(3, value);
      else w.double(4, value);
      return;
    default:
      if (Array.isArray(value)) {
        const array = w.begin(5);
        for (const item of value as readonly unknown[]) {
          // ArrayValue.values (1); null/undefined entries become empty AnyValues.
          const entry = w.begin(1);
          if (item !== null && item !== undefined) anyValue(w, item);
          w.end(entry);
        }
        w.end(array);
      }
  }
}

/** KeyValue list entries (field `field` of the enclosing message). */
function keyValues(w: ProtoWriter, field: number, attributes: Attributes): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const kv = w.begin(field);
    w.string(1, key);
    const any = w.begin(2);
    anyValue(w, value);
    w.end(any);
    w.end(kv);
  }
}

const TWO_32 = 0x1_0000_0000;
/** The epoch in nanoseconds at performance.now()'s zero, as two exact 32-bit halves. */
const ORIGIN_NS = BigInt(Math.round(performance.timeOrigin * 1000)) * 1000n;
const ORIGIN_HIGH = Number(ORIGIN_NS >> 32n);
const ORIGIN_LOW = Number(ORIGIN_NS & 0xffff_ffffn);

/** fixed64 epoch nanoseconds from a `performance.now()` reading (ms since the time origin). */
function time(w: ProtoWriter, field: number, perfMs: number): void {
  // Nanoseconds since the origin fit a double exactly for 104 days of uptime, and the origin
  // is added in halves, so no BigInt per span.
  const ns = Math.round(perfMs * 1e6);
  const low = ORIGIN_LOW + (ns % TWO_32);
  const high = ORIGIN_HIGH + Math.floor(ns / TWO_32) + (low >= TWO_32 ? 1 : 0);
  w.fixed64(field, high, low >= TWO_32 ? low - TWO_32 : low);
}

function span(w: ProtoWriter, s: SpanRecord): void {
  w.hexBytes(1, s.traceId);
  w.hexBytes(2, s.spanId);
  w.string(3, s.traceState);
  w.hexBytes(4, s.parentSpanId);
  w.string(5, s.name);
  w.uint(6, s.kind);
  time(w, 7, s.start);
  time(w, 8, s.end);
  keyValues(w, 9, s.attributes);
  for (const event of s.events) {
    const e = w.begin(11);
    time(w, 1, event.time);
    w.string(2, event.name);
    keyValues(w, 3, event.attributes);
    w.end(e);
  }
  if (s.statusCode !== 0 || s.statusMessage) {
    const status = w.begin(15);
    w.string(2, s.statusMessage);
    w.uint(3, s.statusCode);
    w.end(status);
  }
  // Span.flags: the W3C trace flags in the low byte (OTLP 1.1+).
  if (s.flags & 0xff) w.fixed32(16, s.flags & 0xff);
}

/**
 * One `ExportTraceServiceRequest` for `spans`, all from one resource: ScopeSpans grouped by
 * instrumentation scope, in the order scopes first appear.
 */
export function encodeTraceRequest(resource: Attributes, spans: readonly SpanRecord[]): Buffer {
  const byScope = new Map<InstrumentationScopeRecord, SpanRecord[]>();
  for (const s of spans) {
    const list = byScope.get(s.scope);
    if (list) list.push(s);
    else byScope.set(s.scope, [s]);
  }
  const w = new ProtoWriter();
  // ExportTraceServiceRequest.resource_spans (1) → ResourceSpans.resource (1)
  const resourceSpans = w.begin(1);
  const res = w.begin(1);
  keyValues(w, 1, resource);
  w.end(res);
  for (const [scope, list] of byScope) {
    // ResourceSpans.scope_spans (2) → ScopeSpans.scope (1), ScopeSpans.spans (2)
    const scopeSpans = w.begin(2);
    const sc = w.begin(1);
    w.string(1, scope.name);
    w.string(2, scope.version);
    w.end(sc);
    for (const s of list) {
      const at = w.begin(2);
      span(w, s);
      w.end(at);
    }
    w.end(scopeSpans);
  }
  w.end(resourceSpans);
  return w.finish();
}
