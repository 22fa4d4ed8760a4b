// Order matters: configuration is validated before anything starts, and tracing (the context
// manager, propagators and tracer provider the data plane's spans use) before the app is built.
import { loadConfigOrExit } from '@app/config';
import { exitOnSignals, exitOnStartFailure } from '@app/observability/process-lifecycle';
import { startTracing } from '@app/observability/tracing';
import { gatewayConfigSchema } from './config/gateway.config';

const config = loadConfigOrExit(gatewayConfigSchema, process.env, 'gateway');
const tracing = startTracing({ defaultServiceName: 'gateway', config });

async function main(): Promise<void> {
  const { startGatewayApp } = await import('./gateway.app');
  const gateway = await startGatewayApp(config);
  gateway.logger.log(`admin plane listening on ${gateway.adminUrl}`);
  exitOnSignals(gateway, {
    draining: 'draining',
    boundMs: config.SHUTDOWN_TIMEOUT_MS + 3000,
    beforeExit: () => tracing.shutdown(),
  });
}

main().catch(exitOnStartFailure('gateway'));
