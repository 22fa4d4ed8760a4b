import * as protobuf from 'protobufjs';
import { type SpanRecord, encodeTraceRequest } from './otlp-proto';

/**
 * The parts of opentelemetry-proto (collector/trace/v1, trace/v1, common/v1, resource/v1) the
 * encoder writes, decoded by protobufjs: an independent reader of our bytes.
 */
const PROTO = `
syntax = "proto3";
package t;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message InstrumentationScope { string name = 1; string version = 2; }
message KeyValue { string key = 1; AnyValue value = 2; }
message ArrayValue { repeated AnyValue values = 1; }
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5;
  }
}
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; repeated Event events = 11;
  Status status = 15; fixed32 flags = 16;
}
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Status { string message = 2; int32 code = 3; }
`;
const Request = protobuf.parse(PROTO).root.lookupType('t.ExportTraceServiceRequest');

function decode(bytes: Buffer): unknown {
  return Request.toObject(Request.decode(bytes), {
    longs: String,
    bytes: String, // base64
    defaults: false,
    oneofs: false,
  });
}

const scope = { name: 'observable-cluster-web', version: undefined };
const base: SpanRecord = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parentSpanId: '00f067aa0ba902b7',
  traceState: undefined,
  name: 'GET /',
  kind: 2,
  // performance.now() readings: 1.234567 ms and ~1.4 h after the time origin (the latter
  // crosses the 32-bit boundary of the nanosecond count: the carry is tested).
  start: 1.234567,
  end: 5_000_000.000001,
  attributes: {},
  events: [],
  statusCode: 0,
  statusMessage: undefined,
  flags: 1,
  scope,
};
/** The epoch nanoseconds of a time `ns` nanoseconds after performance.timeOrigin, as text. */
const epochNs = (ns: bigint) =>
  String(BigInt(Math.round(performance.timeOrigin * 1000)) * 1000n + ns);
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

describe('encodeTraceRequest', () => {
  it('writes spans that a protobuf reader decodes field by field', () => {
    const bytes = encodeTraceRequest({ 'service.name': 'web', 'process.pid': 42 }, [
      {
        ...base,
        attributes: {
          'http.request.method': 'GET',
          'http.response.status_code': 200,
          ratio: 0.25,
          negative: -3,
          ok: true,
          empty: '',
          list: ['a', 'b'],
          skipped: undefined,
        },
        events: [{ name: 'exception', time: 2.5, attributes: { x: 'y' } }],
        statusCode: 2,
        statusMessage: 'boom',
      },
    ]);
    expect(decode(bytes)).toEqual({
      resourceSpans: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: 'web' } },
              { key: 'process.pid', value: { intValue: '42' } },
            ],
          },
          scopeSpans: [
            {
              scope: { name: 'observable-cluster-web' },
              spans: [
                {
                  traceId: b64(base.traceId),
                  spanId: b64(base.spanId),
                  parentSpanId: b64('00f067aa0ba902b7'),
                  name: 'GET /',
                  kind: 2,
                  startTimeUnixNano: epochNs(1_234_567n),
                  endTimeUnixNano: epochNs(5_000_000_000_001n),
                  attributes: [
                    { key: 'http.request.method', value: { stringValue: 'GET' } },
                    { key: 'http.response.status_code', value: { intValue: '200' } },
                    { key: 'ratio', value: { doubleValue: 0.25 } },
                    { key: 'negative', value: { intValue: '-3' } },
                    { key: 'ok', value: { boolValue: true } },
                    { key: 'empty', value: { stringValue: '' } },
                    {
                      key: 'list',
                      value: {
                        arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] },
                      },
                    },
                  ],
                  events: [
                    {
                      timeUnixNano: epochNs(2_500_000n),
                      name: 'exception',
                      attributes: [{ key: 'x', value: { stringValue: 'y' } }],
                    },
                  ],
                  status: { message: 'boom', code: 2 },
                  flags: 1,
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('groups spans by scope and widens lengths past 127 bytes (long values, big batches)', () => {
    const other = { name: 'observable-cluster-gateway', version: '1.0.0' };
    const long = 'x'.repeat(20_000);
    const spans: SpanRecord[] = [];
    for (let i = 0; i < 300; i++)
      spans.push({
        ...base,
        name: `span ${i}`,
        scope: i % 2 ? other : scope,
        attributes: i === 7 ? { long } : { i },
      });
    const decoded = decode(encodeTraceRequest({}, spans)) as {
      resourceSpans: {
        scopeSpans: {
          scope: { name: string; version?: string };
          spans: { name: string; attributes: { value: { stringValue?: string } }[] }[];
        }[];
      }[];
    };
    const scopes = decoded.resourceSpans[0].scopeSpans;
    expect(scopes.map((s) => [s.scope.name, s.scope.version, s.spans.length])).toEqual([
      ['observable-cluster-web', undefined, 150],
      ['observable-cluster-gateway', '1.0.0', 150],
    ]);
    expect(scopes[0].spans.map((s) => s.name).slice(0, 3)).toEqual(['span 0', 'span 2', 'span 4']);
    const withLong = scopes[1].spans.find((s) => s.name === 'span 7');
    expect(withLong?.attributes[0].value.stringValue).toBe(long);
  });

  it('omits the parent of a root span and an unset status', () => {
    const decoded = decode(
      encodeTraceRequest({}, [{ ...base, parentSpanId: undefined, flags: 0 }]),
    ) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    const span = decoded.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.parentSpanId).toBeUndefined();
    expect(span.status).toBeUndefined();
    expect(span.flags).toBeUndefined();
  });
});
