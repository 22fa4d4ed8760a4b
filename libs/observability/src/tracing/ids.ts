import { randomFillSync } from 'node:crypto';

/**
 * Random trace and span ids, hex, from a pool refilled 4 KiB at a time: one `randomFillSync`
 * per 256 span ids instead of one per id (a `randomBytes(8)` call per span cost ~0.5 µs).
 */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

function hex(bytes: number): string {
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return id;
}

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** A W3C trace id: 16 random bytes, never all zeros (invalid by the spec). */
export function newTraceId(): string {
  const id = hex(16);
  return id === ZERO_TRACE_ID ? newTraceId() : id;
}

/** A W3C span (parent) id: 8 random bytes, never all zeros. */
export function newSpanId(): string {
  const id = hex(8);
  return id === ZERO_SPAN_ID ? newSpanId() : id;
}
