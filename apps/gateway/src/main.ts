// Order matters: configuration is validated before anything starts, and tracing (the context
// manager, propagators and tracer provider the data plane's spans use) before the app is built.
import cluster from 'node:cluster';
import { loadConfigOrExit } from '@app/config';
import { exitOnSignals, exitOnStartFailure } from '@app/observability/process-lifecycle';
import { startTracing } from '@app/observability/tracing';
import { gatewayConfigSchema } from './config/gateway.config';

const config = loadConfigOrExit(gatewayConfigSchema, process.env, 'gateway');
const tracing = startTracing({ defaultServiceName: 'gateway', config });

async function main(): Promise<void> {
  // GATEWAY_WORKERS > 1: this process keeps the admin plane and forks the data plane workers.
  if (config.GATEWAY_WORKERS > 1 && cluster.isPrimary) {
    const { runPrimary } = await import('./cluster/primary');
    return runPrimary(config, tracing);
  }
  const { startGatewayApp } = await import('./gateway.app');
  const role = cluster.isWorker ? 'worker' : 'single';
  const gateway = await startGatewayApp(config, { role });
  if (role === 'worker') {
    const { reportToPrimary } = await import('./cluster/worker');
    reportToPrimary(gateway);
  } else {
    gateway.logger.log(`admin plane listening on ${gateway.adminUrl}`);
  }
  exitOnSignals(gateway, {
    draining: 'draining',
    boundMs: config.SHUTDOWN_TIMEOUT_MS + 3000,
    beforeExit: () => tracing.shutdown(),
  });
}

main().catch(exitOnStartFailure('gateway'));
