import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Attributes,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  context,
  isSpanContextValid,
  propagation,
  trace,
} from '@opentelemetry/api';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';

/** Methods named as they are; anything else is `_OTHER` (HTTP semconv, bounded span names). */
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'CONNECT',
  'TRACE',
]);

/** `error.type` for a response the client was not sent in full (HTTP semconv's fallback). */
const ABORTED = '_OTHER';

/** The server span this module started for a request, if any (read by the route hook below). */
const SERVER_SPAN = Symbol('observability.httpServerSpan');
type TracedResponse = ServerResponse & { [SERVER_SPAN]?: Span };

/**
 * The HTTP server span of one request, following the stable HTTP semantic conventions: named
 * `{method}` (a router may add the route: {@link setHttpRoute}), a child of the caller's trace
 * context (W3C `traceparent` through the global propagator), ended when the response is done.
 *
 * Why not `@opentelemetry/instrumentation-http`: it wraps every request and response emitter
 * in the request's context and records both the old and the new conventions, which made the
 * server span the largest part of tracing's cost per request (docs/performance.md). The
 * context is carried here by `context.with()` (AsyncLocalStorage) instead: every callback and
 * promise started while handling the request sees the span as active.
 *
 * Without a tracer provider (no exporter configured) or when the sampler says no, the span is
 * a non-recording one that still carries the caller's context onward (or a fresh trace id),
 * and nothing waits for the response.
 */
export function runInHttpServerSpan(
  tracer: Tracer,
  req: IncomingMessage,
  res: ServerResponse,
  handle: () => void,
): void {
  runInServerSpan(
    tracer,
    req,
    (end) => {
      (res as TracedResponse)[SERVER_SPAN] = end.span;
      res.once('close', () => end(res.statusCode, res.writableFinished));
    },
    handle,
  );
}

/** Ends a server span with the answer's status; `completed` false: cut before the end. */
export type EndServerSpan = ((status: number, completed: boolean) => void) & { span: Span };

/**
 * {@link runInHttpServerSpan} for an exchange that is not a `ServerResponse` (a gateway
 * upgrade: the span ends when the handshake is answered). `onRecording` is called only for a
 * recording span, with the function that ends it.
 */
export function runInServerSpan(
  tracer: Tracer,
  req: IncomingMessage,
  onRecording: (end: EndServerSpan) => void,
  handle: () => void,
): void {
  const method = req.method ?? 'GET';
  const known = KNOWN_METHODS.has(method);
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  // No attributes at start: the samplers OTEL_TRACES_SAMPLER offers decide on the trace id and
  // the parent alone, and the SDK copies and validates start attributes even for a span it
  // then drops (docs/performance.md, "attributes before or after the sampling decision").
  let span = tracer.startSpan(known ? method : 'HTTP', SERVER, parent);
  if (span.isRecording()) {
    span.setAttributes(requestAttributes(req, method, known));
    const end = ((status: number, completed: boolean) =>
      endHttpServerSpan(span, status, completed)) as EndServerSpan;
    end.span = span;
    onRecording(end);
  } else if (!isSpanContextValid(span.spanContext())) {
    // No tracer provider (no exporter configured) and no caller context: the API's no-op
    // tracer has no ids to give, so the request gets a fresh, unsampled trace id of its own;
    // logs, hit events and whatever it calls carry it.
    span = trace.wrapSpanContext({
      traceId: ids.generateTraceId(),
      spanId: ids.generateSpanId(),
      traceFlags: TraceFlags.NONE,
    });
  }
  // Not recording: nothing to end, but still the active span, so the trace context propagates.
  context.with(trace.setSpan(parent, span), handle);
}

const SERVER = { kind: SpanKind.SERVER } as const;
const ids = new RandomIdGenerator();

/** The request's attributes (HTTP server semconv), for a span that is recorded. */
function requestAttributes(req: IncomingMessage, method: string, known: boolean): Attributes {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const host = splitHost(req.headers.host);
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: known ? method : '_OTHER',
    [ATTR_URL_PATH]: query === -1 ? url : url.slice(0, query),
    [ATTR_URL_SCHEME]: 'http',
    [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
    [ATTR_CLIENT_ADDRESS]: req.socket.remoteAddress,
    [ATTR_USER_AGENT_ORIGINAL]: req.headers['user-agent'],
  };
  if (!known) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
  if (query !== -1) attributes[ATTR_URL_QUERY] = url.slice(query + 1);
  if (host) {
    attributes[ATTR_SERVER_ADDRESS] = host.address;
    if (host.port !== undefined) attributes[ATTR_SERVER_PORT] = host.port;
  }
  return attributes;
}

/**
 * Name the request's server span by its route (`{method} {http.route}`), once the router knows
 * it. The route is a template (`/users/:id`), never the raw path: span names stay bounded.
 */
export function setHttpRoute(res: ServerResponse, method: string | undefined, route: string) {
  const span = (res as TracedResponse)[SERVER_SPAN];
  if (!span) return;
  span.setAttribute('http.route', route);
  if (method && KNOWN_METHODS.has(method)) span.updateName(`${method} ${route}`);
}

function endHttpServerSpan(span: Span, status: number, completed: boolean): void {
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (!completed) {
    // The connection closed before the whole response went out.
    span.setAttribute(ATTR_ERROR_TYPE, ABORTED);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'response not completed' });
  } else if (status >= 500) {
    // Server spans: 5xx is an error, 4xx is the client's (HTTP semconv, span status).
    span.setAttribute(ATTR_ERROR_TYPE, String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** `Host: name[:port]` → server.address / server.port (IPv6 literals in brackets). */
function splitHost(host: string | undefined): { address: string; port?: number } | undefined {
  if (!host) return undefined;
  const end = host.startsWith('[') ? host.indexOf(']') + 1 : 0;
  const colon = host.indexOf(':', end);
  if (colon === -1) return { address: host };
  const port = Number(host.slice(colon + 1));
  return { address: host.slice(0, colon), port: Number.isInteger(port) ? port : undefined };
}
