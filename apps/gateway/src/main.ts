// Order matters: configuration is validated before anything starts, and tracing starts before
// Nest, express and undici are loaded so the auto-instrumentations can patch them.
import { loadConfigOrExit } from '@app/config';
import { startTracing } from '@app/observability/tracing';
import { gatewayConfigSchema } from './config/gateway.config';

const config = loadConfigOrExit(gatewayConfigSchema, process.env, 'gateway');
const tracing = startTracing({
  defaultServiceName: 'gateway',
  // Our proxy makes its own client span per upstream attempt (with resend counts) and
  // injects traceparent itself; undici's instrumentation would double both.
  instrumentations: { '@opentelemetry/instrumentation-undici': { enabled: false } },
  // Probes and scrapes on the admin port are not traffic worth a trace.
  ignoreIncomingRequest: (req) =>
    req.socket.localPort === config.ADMIN_PORT && config.ADMIN_PORT !== 0,
});

async function main(): Promise<void> {
  const { startGatewayApp } = await import('./gateway.app');
  const gateway = await startGatewayApp(config);
  gateway.logger.log(`admin plane listening on ${gateway.adminUrl}`);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return; // Ctrl-C arrives twice under `npm start`; the drain is bounded
    stopping = true;
    gateway.logger.log(`${signal}: draining`);
    setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS + 3000).unref();
    const drained = await gateway.shutdown();
    gateway.logger.log(drained ? 'drained; bye' : 'drain timed out; connections were cut');
    await tracing.shutdown().catch(() => undefined);
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
}

main().catch((err: unknown) => {
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`gateway: failed to start: ${detail}\n`);
  process.exit(1);
});
