import { Agent } from 'undici';

export interface LoadSample {
  /** When the request was sent, ms since the load started. */
  at: number;
  status: number;
  body: string;
  servedBy: string | null;
  /** The `x-request-id` the answer carried (the gateway's id for the request). */
  requestId: string | null;
  /** `Idempotent-Replayed: true`: a retry answered from the hit its first attempt counted. */
  replayed: boolean;
  latencyMs: number;
  /** Transport failure (no HTTP answer at all). */
  error?: string;
}

export interface SteadyLoadOptions {
  ratePerSec: number;
  /** Stop after this long... */
  durationMs?: number;
  /** ...or when this settles (whichever is first); bounded by `maxDurationMs` either way. */
  until?: Promise<unknown>;
  maxDurationMs?: number;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/**
 * A fixed-rate load on one URL (loopback only), for fault tests: one request every
 * 1000/rate ms whatever the previous ones are doing, so a stall shows as latency and errors
 * rather than as fewer requests. Bounded in count and time; resolves when every request ended.
 */
export async function steadyLoad(url: string, options: SteadyLoadOptions): Promise<LoadSample[]> {
  const { hostname } = new URL(url);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname)) {
    throw new Error(`steadyLoad targets loopback only, not ${hostname}`);
  }
  const maxDurationMs = options.maxDurationMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const dispatcher = new Agent({ keepAliveTimeout: 10_000 });
  const started = Date.now();
  const samples: Promise<LoadSample>[] = [];
  let stop = false;
  void options.until?.then(
    () => (stop = true),
    () => (stop = true),
  );
  const interval = 1000 / options.ratePerSec;
  try {
    for (let i = 0; ; i++) {
      const elapsed = Date.now() - started;
      if (stop || elapsed >= maxDurationMs) break;
      if (options.durationMs !== undefined && elapsed >= options.durationMs) break;
      samples.push(one(url, started, dispatcher, timeoutMs, options.headers));
      const next = started + (i + 1) * interval;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
    }
    return await Promise.all(samples);
  } finally {
    await dispatcher.close();
  }
}

async function one(
  url: string,
  started: number,
  dispatcher: Agent,
  timeoutMs: number,
  headers: Record<string, string> | undefined,
): Promise<LoadSample> {
  const sent = Date.now();
  try {
    const res = await fetch(url, {
      headers,
      signal: AbortSignal.timeout(timeoutMs),
      dispatcher,
    });
    const body = await res.text();
    return {
      at: sent - started,
      status: res.status,
      body,
      servedBy: res.headers.get('x-served-by'),
      requestId: res.headers.get('x-request-id'),
      replayed: res.headers.get('idempotent-replayed') === 'true',
      latencyMs: Date.now() - sent,
    };
  } catch (err) {
    return {
      at: sent - started,
      status: 0,
      body: '',
      servedBy: null,
      requestId: null,
      replayed: false,
      latencyMs: Date.now() - sent,
      error: (err as Error).message,
    };
  }
}

/** The p-th percentile (0..100) of `values`, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
