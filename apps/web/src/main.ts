// Order matters: configuration is validated before anything starts, and tracing starts before
// Nest, express and ioredis are loaded so the auto-instrumentations can patch them.
import { loadConfigOrExit } from '@app/config';
import { startTracing } from '@app/observability/tracing';
import { webConfigSchema } from './config/web.config';

const config = loadConfigOrExit(webConfigSchema, process.env, 'web');
const tracing = startTracing({
  defaultServiceName: 'web',
  // Probes (every gateway health check) and scrapes are not traffic worth a trace.
  ignoreIncomingRequest: (req) => req.url === '/metrics' || (req.url ?? '').startsWith('/health/'),
});

async function main(): Promise<void> {
  const { startWebApp } = await import('./web.app');
  const web = await startWebApp(config);
  web.logger.log(`web node ${config.NODE_NAME} listening on ${web.url}`);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    // Ctrl-C reaches us twice under `npm start` (from the terminal and from concurrently): the
    // drain is already under way and bounded, so later signals change nothing.
    if (stopping) return;
    stopping = true;
    web.logger.log(`${signal}: draining (readiness 503 for ${config.SHUTDOWN_DELAY_MS} ms)`);
    // Last resort if something refuses to close: never outlive the documented bound.
    setTimeout(
      () => process.exit(1),
      config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_TIMEOUT_MS + 2000,
    ).unref();
    const drained = await web.shutdown();
    web.logger.log(drained ? 'drained; bye' : 'drain timed out; connections were cut');
    await tracing.shutdown().catch(() => undefined);
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
}

main().catch((err: unknown) => {
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`web: failed to start: ${detail}\n`);
  process.exit(1);
});
