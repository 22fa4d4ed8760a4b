import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { sendError } from '@app/observability';
import { GatewayError } from '../errors/gateway-errors';
import { LiveFeed } from './live-feed';
import { LIVE_PAGE } from './live-page';

@Controller()
export class LiveController {
  constructor(private readonly feed: LiveFeed) {}

  /** The live traffic page. */
  @Get()
  page(@Res() res: Response): void {
    res
      .status(200)
      .type('text/html; charset=utf-8')
      .setHeader('Cache-Control', 'no-store')
      // The page loads nothing from elsewhere; inline script and style are its own.
      .setHeader(
        'Content-Security-Policy',
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
      )
      .send(LIVE_PAGE);
  }

  /** Server-Sent Events: a snapshot every LIVE_BATCH_MS, heartbeats, bounded per client. */
  @Get('events')
  events(@Res() res: Response): void {
    if (!this.feed.addClient(res)) {
      const error = new GatewayError('TOO_MANY_CLIENTS');
      sendError(res, error.status, error.code, error.message);
    }
  }
}
