import { z } from 'zod';

/** The Redis pub/sub channel every web node publishes one event per counted hit on. */
export const HITS_CHANNEL = 'hits';

/** The lab's counter key: an existing lab Redis keeps counting. */
export const COUNTER_KEY = 'counter';

/** Hash of per-node hit counts (field = NODE_NAME). */
export const HITS_BY_NODE_KEY = 'hits:by-node';

/**
 * Prefix of the key recording one idempotency key's hit (`hits:id:<key>` = `<count> <node>`),
 * kept for IDEMPOTENCY_TTL_MS: a retry of the same request answers it instead of
 * counting again (docs/reliability.md).
 */
export const HIT_ID_KEY_PREFIX = 'hits:id:';

export const HIT_EVENT_VERSION = 1;

/** Largest event we accept; a real one is ~150 bytes. Guards subscribers against junk. */
export const MAX_HIT_EVENT_BYTES = 1024;

/** The v1 event's schema; each field's `.meta()` is its documentation (`npm run docs`). */
export const hitEventSchema = z
  .object({
    v: z.literal(HIT_EVENT_VERSION).meta({ description: 'Event version.' }),
    node: z
      .string()
      .min(1)
      .max(253)
      .meta({ description: 'The `NODE_NAME` of the web node that counted the hit.' }),
    count: z
      .number()
      .int()
      .positive()
      .max(Number.MAX_SAFE_INTEGER)
      .meta({ description: 'The value `INCR counter` returned for this hit.' }),
    ts: z.iso
      .datetime({ offset: true })
      .meta({ description: 'When the node counted it (ISO 8601).' }),
    traceId: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .nullable()
      .meta({ description: "The request's W3C trace id (32 hex digits), null without one." }),
  })
  .strict();

/** One counted hit, as published on {@link HITS_CHANNEL}. */
export type HitEvent = z.infer<typeof hitEventSchema>;

export type HitEventParseResult =
  | { ok: true; event: HitEvent }
  | { ok: false; reason: 'too_large' | 'not_json' | 'invalid'; detail: string };

/**
 * Parse a message received on the hits channel. Never throws: subscribers count and drop what
 * is not a valid v1 event instead of crashing on another publisher's bad input.
 */
export function parseHitEvent(raw: string | Buffer): HitEventParseResult {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > MAX_HIT_EVENT_BYTES) {
    return { ok: false, reason: 'too_large', detail: `${size} bytes > ${MAX_HIT_EVENT_BYTES}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(raw.toString());
  } catch (err) {
    return { ok: false, reason: 'not_json', detail: (err as Error).message };
  }
  const result = hitEventSchema.safeParse(data);
  if (!result.success) {
    return {
      ok: false,
      reason: 'invalid',
      detail: result.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; '),
    };
  }
  return { ok: true, event: result.data };
}

export function encodeHitEvent(event: HitEvent): string {
  return hitEventTemplate(event.node).render(event.count, event.ts, event.traceId);
}

/**
 * The event split around its count, for the Redis script that assigns the count: the script
 * publishes `prefix .. count .. suffix`, so the event carries the exact value INCR returned and
 * is published in the same atomic round trip. The prefix depends only on the node and is built
 * once at startup; the suffix per hit.
 */
export interface HitEventTemplate {
  readonly prefix: string;
  suffix(ts: string, traceId: string | null): string;
  render(count: number, ts: string, traceId: string | null): string;
}

export function hitEventTemplate(node: string): HitEventTemplate {
  const prefix = `{"v":${HIT_EVENT_VERSION},"node":${JSON.stringify(node)},"count":`;
  const suffix = (ts: string, traceId: string | null) =>
    `,"ts":${JSON.stringify(ts)},"traceId":${traceId === null ? 'null' : JSON.stringify(traceId)}}`;
  return {
    prefix,
    suffix,
    render: (count, ts, traceId) => `${prefix}${count}${suffix(ts, traceId)}`,
  };
}

/** The authoritative totals kept by the hit script (GET /hits on a web node). */
export interface HitTotals {
  total: number;
  byNode: Record<string, number>;
}

/** The subset of an ioredis client {@link readHitTotals} needs. */
export interface TotalsReader {
  multi(): {
    get(key: string): ReturnType<TotalsReader['multi']>;
    hgetall(key: string): ReturnType<TotalsReader['multi']>;
    exec(): Promise<[Error | null, unknown][] | null>;
  };
}

/**
 * Read `counter` and `hits:by-node` in one MULTI, so the total and the split agree with each
 * other. Rejects when Redis fails or aborts the transaction.
 */
export async function readHitTotals(redis: TotalsReader): Promise<HitTotals> {
  const replies = await redis.multi().get(COUNTER_KEY).hgetall(HITS_BY_NODE_KEY).exec();
  const failed = replies?.find(([err]) => err !== null)?.[0];
  if (!replies || failed) throw failed ?? new Error('MULTI aborted');
  const byNodeRaw = (replies[1][1] ?? {}) as Record<string, string>;
  const byNode: Record<string, number> = {};
  for (const name of Object.keys(byNodeRaw).sort()) byNode[name] = Number(byNodeRaw[name]);
  return { total: Number(replies[0][1] ?? 0), byNode };
}
