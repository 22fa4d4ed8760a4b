import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { waitFor } from './wait';

/** Where Debian's nginx is (not on a non-root PATH). */
export const NGINX_BINARY =
  ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find(existsSync) ?? 'nginx';

export interface NginxOptions {
  /** host:port of the one upstream. */
  upstream: string;
  /** Directives added to the `server` block. */
  serverDirectives?: string;
}

/**
 * Debian's nginx as a non-daemon on a free port, with its own prefix, temp paths, pid and
 * error log in a temp directory: the reference side of a differential test. Configured as
 * docs/gateway.md's "nginx the gateway replaces" (HTTP/1.1 and keep-alive upstream, Host kept,
 * WebSocket upgrades passed).
 */
export class NginxServer {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(options: NginxOptions): Promise<NginxServer> {
    const server = new NginxServer(await freePort(), mkdtempSync(join(tmpdir(), 'oc-nginx-')));
    await server.run(options);
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The error log so far (nginx says there why it refused a request). */
  errorLog(): string {
    const file = join(this.dir, 'error.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  private async run(options: NginxOptions): Promise<void> {
    const d = this.dir;
    const conf = join(d, 'nginx.conf');
    writeFileSync(
      conf,
      `daemon off;
master_process off;
worker_processes 1;
pid ${d}/nginx.pid;
error_log ${d}/error.log info;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${d}/body;
  proxy_temp_path ${d}/proxy;
  fastcgi_temp_path ${d}/fastcgi;
  uwsgi_temp_path ${d}/uwsgi;
  scgi_temp_path ${d}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  upstream web { server ${options.upstream} max_fails=0; keepalive 8; }
  server {
    listen 127.0.0.1:${this.port};
    ${options.serverDirectives ?? ''}
    location / {
      proxy_pass http://web;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
    }
  }
}
`,
    );
    const child = spawn(NGINX_BINARY, ['-p', d, '-c', conf, '-e', join(d, 'error.log')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    this.child = child;
    const exited = once(child, 'exit').then(() => {
      throw new Error(`nginx exited: ${stderr}${this.errorLog()}`);
    });
    exited.catch(() => undefined);
    await Promise.race([
      exited,
      waitFor(
        () =>
          new Promise<true | undefined>((resolve) => {
            const socket = connect(this.port, '127.0.0.1');
            socket.once('connect', () => {
              socket.destroy();
              resolve(true);
            });
            socket.once('error', () => resolve(undefined));
          }),
        { what: 'nginx listening' },
      ),
    ]);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
