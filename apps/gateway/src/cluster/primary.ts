import cluster, { type Worker } from 'node:cluster';
import { Logger } from '@nestjs/common';
import { exitOnSignals } from '@app/observability/process-lifecycle';
import type { Tracing } from '@app/observability/tracing';
import type { GatewayConfig } from '../config/gateway.config';
import { startAdminPlane } from '../gateway.app';
import { ClusterMetrics } from './cluster-metrics';
import { ClusterUpstreams } from './cluster-upstreams';
import { isWorkerMessage } from './messages';

/** A worker that exits on its own is replaced after this (not in a tight loop). */
const RESTART_DELAY_MS = 1000;

/**
 * GATEWAY_WORKERS > 1 (nginx's `worker_processes`): this process forks the workers, each a whole
 * data plane on the shared PORT (node:cluster hands each new connection to the next worker,
 * round robin), and serves the admin plane alone: `/upstreams`, readiness and the live view
 * from the workers' reports, `/metrics` merged from every worker's registry. A worker that dies
 * is replaced. SIGTERM: readiness 503, every worker drains as a single gateway would, then the
 * admin plane closes.
 */
export async function runPrimary(config: GatewayConfig, tracing: Tracing): Promise<void> {
  // Nest's logger: JSON lines through the admin plane's pino once it is up.
  const log = new Logger('Cluster');
  const upstreams = new ClusterUpstreams();
  const workers = new Set<Worker>();
  let stopping = false;
  let failedExits = 0;

  const fork = () => {
    const worker = cluster.fork();
    workers.add(worker);
    worker.on('message', (message: unknown) => {
      if (isWorkerMessage(message) && message.oc === 'upstreams')
        upstreams.update(worker.id, worker.process.pid ?? 0, message.views);
    });
    worker.once('exit', (code, signal) => {
      workers.delete(worker);
      upstreams.forget(worker.id);
      if (stopping) {
        if (code !== 0) failedExits++;
        return;
      }
      log.warn(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
      setTimeout(() => stopping || fork(), RESTART_DELAY_MS);
    });
  };

  for (let i = 0; i < config.GATEWAY_WORKERS; i++) fork();
  const admin = await startAdminPlane(config, {
    upstreamSource: upstreams,
    metricsSource: (registry) => new ClusterMetrics(registry, () => [...workers]),
  });
  admin.logger.log(
    `admin plane listening on ${admin.adminUrl} (${config.GATEWAY_WORKERS} data plane workers)`,
  );
  const { app, logger } = admin;
  exitOnSignals(
    {
      logger,
      shutdown: async () => {
        stopping = true;
        upstreams.draining = true;
        const exited = [...workers].map(
          (w) => new Promise<void>((resolve) => w.once('exit', () => resolve())),
        );
        for (const w of workers) w.process.kill('SIGTERM');
        await Promise.all(exited);
        await app.close();
        return failedExits === 0;
      },
    },
    {
      draining: `draining ${workers.size} workers`,
      boundMs: config.SHUTDOWN_TIMEOUT_MS + 5000,
      beforeExit: () => tracing.shutdown(),
    },
  );
}
