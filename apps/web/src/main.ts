// Order matters: configuration is validated before anything starts, and tracing (the context
// manager, propagators and tracer provider the app's own spans use) before the app is built.
import { loadConfigOrExit } from '@app/config';
import { exitOnSignals, exitOnStartFailure } from '@app/observability/process-lifecycle';
import { startTracing } from '@app/observability/tracing';
import { webConfigSchema } from './config/web.config';

const config = loadConfigOrExit(webConfigSchema, process.env, 'web');
const tracing = startTracing({ defaultServiceName: 'web', config });

async function main(): Promise<void> {
  const { startWebApp } = await import('./web.app');
  const web = await startWebApp(config);
  web.logger.log(`web node ${config.NODE_NAME} listening on ${web.url}`);
  exitOnSignals(web, {
    draining: `draining (readiness 503 for ${config.SHUTDOWN_DELAY_MS} ms)`,
    boundMs: config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_TIMEOUT_MS + 2000,
    beforeExit: () => tracing.shutdown(),
  });
}

main().catch(exitOnStartFailure('web'));
