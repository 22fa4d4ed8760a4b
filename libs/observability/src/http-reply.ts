import type { ServerResponse } from 'node:http';

/** What a fastify reply offers (the web node); express responses are ServerResponses. */
interface FastifyLikeReply {
  raw: ServerResponse;
  code(status: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(body?: string): unknown;
}

/**
 * Send a whole response through whichever HTTP adapter Nest runs on: a fastify reply (the web
 * node) or an express response (the gateway's admin plane). For code shared by both apps
 * (`/metrics`, the error catalogue); headers are set as given, never rewritten (express'
 * `res.type()` would reorder a media type's parameters).
 */
export function sendResponse(
  res: unknown,
  status: number,
  headers: Record<string, string>,
  body: string,
): void {
  if (isFastifyReply(res)) {
    let reply = res.code(status);
    for (const name in headers) reply = reply.header(name, headers[name]);
    reply.send(body);
    return;
  }
  const raw = res as ServerResponse;
  raw.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  raw.end(body);
}

function isFastifyReply(res: unknown): res is FastifyLikeReply {
  return typeof res === 'object' && res !== null && 'raw' in res && 'code' in res;
}

/**
 * The error shape every app answers with: `{"error":CODE,"message":…}` (JSON), the code from
 * the app's catalogue. One helper for the web node and the gateway.
 */
export function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: code, message });
}

export function sendError(
  res: unknown,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendResponse(
    res,
    status,
    { 'content-type': 'application/json; charset=utf-8', ...headers },
    errorBody(code, message),
  );
}
