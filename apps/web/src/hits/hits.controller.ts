import { Controller, Get, Head, Inject, Req, Res } from '@nestjs/common';
import accepts from 'accepts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WEB_CONFIG, type WebConfig } from '../config/web.config';
import type { HitTotals } from '@app/hit-events';
import { HitPipeline } from './hit.pipeline';
import { REPLAYED_HEADER, idempotencyKeyOf } from './idempotency-key';

@Controller()
export class HitsController {
  private readonly node: string;
  private readonly nodeJson: string;

  constructor(
    private readonly pipeline: HitPipeline,
    @Inject(WEB_CONFIG) config: WebConfig,
  ) {
    this.node = config.NODE_NAME;
    this.nodeJson = JSON.stringify(this.node);
  }

  /** HEAD is safe (RFC 9110 §9.2.1): it must not count a hit. Declared before GET, so that
   * fastify does not make GET's automatic HEAD route for `/` (it does for the other routes). */
  @Head()
  head(@Res() reply: FastifyReply): void {
    void reply
      .code(200)
      .header('content-type', TEXT_PLAIN)
      .header('cache-control', 'no-store')
      .send();
  }

  /**
   * The lab's page: counts one hit. JSON when the client asks for it. A retry of a hit already
   * counted (same `Idempotency-Key`) answers the first attempt's count and node, marked
   * `Idempotent-Replayed: true`.
   */
  @Get()
  async hit(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { count, node, replayed } = await this.pipeline.record(
      deadlineOf(req),
      idempotencyKeyOf(req.headers),
    );
    void reply.code(200).header('cache-control', 'no-store');
    if (replayed) void reply.header(REPLAYED_HEADER, 'true');
    // Content negotiation as express did it (the `accepts` package: q-values, wildcards).
    if (wantsJson(req)) {
      void reply
        .header('content-type', JSON_UTF8)
        .send(
          `{"count":${count},"node":${node === this.node ? this.nodeJson : JSON.stringify(node)}}`,
        );
      return;
    }
    void reply.header('content-type', TEXT_PLAIN).send(`This page has been viewed ${count} times!`);
  }

  @Get('hits')
  totals(): Promise<HitTotals> {
    return this.pipeline.totals();
  }
}

const TEXT_PLAIN = 'text/plain; charset=utf-8';
const JSON_UTF8 = 'application/json; charset=utf-8';
const OFFERED = ['text/plain', 'application/json'];

// JSON only when the client prefers it to text (no Accept header, or any type, means text).
function wantsJson(req: FastifyRequest): boolean {
  const accept = req.headers.accept;
  if (accept === undefined || accept === '*/*') return false;
  return accepts(req.raw).type(OFFERED) === 'application/json';
}

/**
 * `x-request-deadline`: epoch milliseconds (the sender's clock) after which nobody waits for
 * the answer — the gateway sets it per attempt (gRPC's deadline propagation, as an absolute
 * time so that a node that was frozen knows, once it runs again, how late it is).
 */
function deadlineOf(req: FastifyRequest): number | undefined {
  const value = req.headers['x-request-deadline'];
  if (typeof value !== 'string' || !/^\d{13}$/.test(value)) return undefined;
  return Number(value);
}
