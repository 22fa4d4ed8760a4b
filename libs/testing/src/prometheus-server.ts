import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { prometheusTool } from './prometheus-tools';
import { waitFor } from './wait';

export interface PromQueryResult {
  status: 'success' | 'error';
  error?: string;
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; value?: [number, string] }[];
  };
}

/** A real `prometheus` (3.5, as compose pins) on an ephemeral port with its own storage, for live query tests. */
export class PrometheusServer {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
  ) {}

  static async start(configYaml: string, extraArgs: string[] = []): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'oc-prometheus-'));
    writeFileSync(join(dir, 'prometheus.yml'), configYaml);
    const port = await freePort();
    const child = spawn(
      prometheusTool('prometheus'),
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        ...extraArgs,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const server = new PrometheusServer(port, dir, child, exited);
    await waitFor(async () => ((await fetch(`${server.url}/-/ready`)).ok ? true : undefined), {
      timeoutMs: 20_000,
      what: `prometheus ready (stderr: ${stderr.slice(0, 500)})`,
    });
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** An instant query through the HTTP API, as Grafana sends it. */
  async query(promql: string): Promise<PromQueryResult> {
    const res = await fetch(
      `${this.url}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`,
    );
    return (await res.json()) as PromQueryResult;
  }

  /** The single value of a query that returns one series, or undefined. */
  async value(promql: string): Promise<number | undefined> {
    const result = await this.query(promql);
    const first = result.data?.result[0]?.value?.[1];
    return first === undefined ? undefined : Number(first);
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await this.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
