import { type IncomingHttpHeaders, type IncomingMessage, request as httpRequest } from 'node:http';
import { once } from 'node:events';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One request through node:http rather than fetch: fetch forbids setting Host, Connection, TE
 * and Keep-Alive, and normalises the path; here `path` goes on the wire as given (`/%`).
 */
export async function rawRequest(
  base: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  const req = httpRequest({
    host: hostname,
    port,
    path: options.path ?? '/',
    method: options.method ?? 'GET',
    // A body is framed by Content-Length: Node would send a DELETE's body unframed.
    headers:
      options.body === undefined
        ? options.headers
        : { 'content-length': String(Buffer.byteLength(options.body)), ...options.headers },
    setHost: !options.headers?.host,
    agent: false,
  });
  req.end(options.body);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let body = '';
  for await (const chunk of res) body += (chunk as Buffer).toString();
  return { status: res.statusCode ?? 0, headers: res.headers, body };
}
