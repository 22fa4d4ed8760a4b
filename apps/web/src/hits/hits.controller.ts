import { Controller, Get, Head, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { WEB_CONFIG, type WebConfig } from '../config/web.config';
import type { HitTotals } from '@app/hit-events';
import { HitPipeline } from './hit.pipeline';

@Controller()
export class HitsController {
  private readonly node: string;

  constructor(
    private readonly pipeline: HitPipeline,
    @Inject(WEB_CONFIG) config: WebConfig,
  ) {
    this.node = config.NODE_NAME;
  }

  /** HEAD is safe (RFC 9110 §9.2.1): it must not count a hit. Declared before
   * GET because express lets the first GET route answer HEAD too. */
  @Head()
  head(@Res() res: Response): void {
    res.status(200).type('text/plain; charset=utf-8').setHeader('Cache-Control', 'no-store');
    res.end();
  }

  /** The lab's page: counts one hit. JSON when the client asks for it. */
  @Get()
  async hit(@Req() req: Request, @Res() res: Response): Promise<void> {
    const count = await this.pipeline.record();
    res.setHeader('Cache-Control', 'no-store');
    if (req.accepts(['text/plain', 'application/json']) === 'application/json') {
      res.status(200).json({ count, node: this.node });
      return;
    }
    res
      .status(200)
      .type('text/plain; charset=utf-8')
      .send(`This page has been viewed ${count} times!`);
  }

  @Get('hits')
  totals(): Promise<HitTotals> {
    return this.pipeline.totals();
  }
}
