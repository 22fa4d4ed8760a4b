import type { LoggerService } from '@nestjs/common';

export interface StoppableApp {
  readonly logger: LoggerService;
  /** Drain and close; resolves true when everything finished within its own bound. */
  shutdown(): Promise<boolean>;
}

/**
 * An app's process lifecycle after start: on SIGTERM/SIGINT drain once, flush traces, exit 0
 * (1 when the drain had to cut connections). A hard bound guarantees the process never
 * outlives `boundMs` after the first signal. Ctrl-C reaches a process twice under `npm start`
 * (terminal + concurrently): later signals change nothing.
 */
export function exitOnSignals(
  app: StoppableApp,
  options: { boundMs: number; beforeExit: () => Promise<void>; draining: string },
): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    app.logger.log(`${signal}: ${options.draining}`);
    setTimeout(() => process.exit(1), options.boundMs).unref();
    const drained = await app.shutdown();
    app.logger.log(drained ? 'drained; bye' : 'drain timed out; connections were cut');
    await options.beforeExit().catch(() => undefined);
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
}

/** For `main().catch(...)`: report a failed start and exit 1. */
export function exitOnStartFailure(app: string): (err: unknown) => never {
  return (err) => {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`${app}: failed to start: ${detail}\n`);
    process.exit(1);
  };
}
