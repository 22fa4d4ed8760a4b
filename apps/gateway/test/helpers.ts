import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@app/config';
import { type GatewayConfig, gatewayConfigSchema } from '../src/config/gateway.config';
import { type GatewayApp, startGatewayApp } from '../src/gateway.app';
import type { GatewayModuleOptions } from '../src/gateway.module';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, upstream: TestUpstream) => void;

/** Answers its name (`x-served-by` too), like a web node; `/health/ready` answers `health`. */
const nameHandler: Handler = (req, res, upstream) => {
  if (req.url === '/health/ready') {
    res.writeHead(upstream.health).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': upstream.name });
  res.end(upstream.name);
};

/** A trivial upstream on loopback that records what it receives. */
export class TestUpstream {
  readonly seen: SeenRequest[] = [];
  health = 200;
  handler: Handler = nameHandler;
  private server?: Server;

  private constructor(
    readonly name: string,
    readonly host: string,
    public port: number,
  ) {}

  static async start(name: string, host = '127.0.0.1', port = 0): Promise<TestUpstream> {
    const upstream = new TestUpstream(name, host, port);
    await upstream.listen();
    return upstream;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** Requests other than health checks. */
  get traffic(): SeenRequest[] {
    return this.seen.filter((r) => r.url !== '/health/ready');
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: '',
      };
      this.seen.push(seen);
      if (req.url === '/health/ready' || this.handler === nameHandler) {
        req.on('data', (c: Buffer) => (seen.body += c.toString()));
        req.on('end', () => this.handler(req, res, this));
        return;
      }
      this.handler(req, res, this);
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(this.port, this.host, resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stop abruptly, as a killed process would: open connections are cut. */
  async kill(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

export function gatewayTestConfig(env: Record<string, string>): GatewayConfig {
  return loadConfig(gatewayConfigSchema, {
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_PORT: '0',
    ADMIN_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    HEALTH_CHECK_INTERVAL_MS: '0',
    SHUTDOWN_TIMEOUT_MS: '3000',
    ...env,
  });
}

export function startTestGateway(
  env: Record<string, string>,
  options: GatewayModuleOptions = {},
): Promise<GatewayApp> {
  return startGatewayApp(gatewayTestConfig(env), options);
}

/** Run `count` tasks with at most `concurrency` in flight; results in task order. */
export async function inParallel<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

export function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
