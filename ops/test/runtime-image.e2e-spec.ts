import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NodeProcess, RedisServer, freePort, waitFor } from '@app/testing';
import { ROOT, compose, envOf } from './stack';

const run = promisify(execFile);

/**
 * The Dockerfile's runtime stage without Docker: production dependencies only
 * (`npm ci --omit=dev`) plus one bundled main.js per app, started with the environment compose
 * gives the service (hosts swapped for this machine's). A dev-only import in app code, or a
 * variable compose sets that the app rejects, fails here.
 */
describe('runtime image, reproduced without Docker', () => {
  let dir: string;
  let redis: RedisServer;
  const procs: NodeProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oc-runtime-'));
    for (const file of ['package.json', 'package-lock.json'])
      copyFileSync(join(ROOT, file), join(dir, file));
    await run(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      {
        cwd: dir,
      },
    );
    for (const app of ['web', 'gateway']) {
      copyFileSync(join(ROOT, 'dist/apps', app, 'main.js'), join(dir, `${app}.js`));
    }
    redis = await RedisServer.start();
  }, 240_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await redis?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has no devDependencies installed', async () => {
    await expect(run('node', ['-e', 'require.resolve("jest")'], { cwd: dir })).rejects.toThrow(
      /Cannot find module 'jest'/,
    );
  });

  it('starts web1 and the gateway with compose’s environment and answers /health/live', async () => {
    const stack = compose();
    const webPort = await freePort();
    const web = NodeProcess.startScript(
      join(dir, 'web.js'),
      {
        ...envOf(stack.services.web1),
        PORT: String(webPort),
        REDIS_URL: redis.url,
        // Compose's collector is not here; spans are still made, just not exported.
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        NODE_ENV: 'production',
      },
      dir,
    );
    procs.push(web);
    await web.waitForLog(/listening on/);
    const live = await fetch(`http://127.0.0.1:${webPort}/health/live`);
    expect([live.status, await live.json()]).toEqual([
      200,
      { status: 'ok', info: {}, error: {}, details: {} },
    ]);

    const adminPort = await freePort();
    const gatewayPort = await freePort();
    const gateway = NodeProcess.startScript(
      join(dir, 'gateway.js'),
      {
        ...envOf(stack.services.gateway),
        PORT: String(gatewayPort),
        ADMIN_PORT: String(adminPort),
        UPSTREAMS: `http://127.0.0.1:${webPort} weight=1`,
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        NODE_ENV: 'production',
      },
      dir,
    );
    procs.push(gateway);
    await gateway.waitForLog(/admin plane listening/);
    expect((await fetch(`http://127.0.0.1:${adminPort}/health/live`)).status).toBe(200);
    const body = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${gatewayPort}/`);
      return res.status === 200 ? res.text() : undefined;
    });
    expect(body).toBe('This page has been viewed 1 times!');
  });
});
