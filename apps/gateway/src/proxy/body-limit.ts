import { Transform, type TransformCallback } from 'node:stream';
import { GatewayError } from '../errors/gateway-errors';

/**
 * Passes a request body through while counting it; fails with BODY_TOO_LARGE the moment it
 * exceeds `max` bytes. Declared sizes are checked before any upstream is contacted; this
 * catches chunked bodies, whose size is only known while streaming.
 */
export class BodyLimit extends Transform {
  private seen = 0;

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) {
      done(new GatewayError('BODY_TOO_LARGE'));
      return;
    }
    done(null, chunk);
  }
}
