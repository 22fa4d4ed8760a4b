import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RouteMethods, pathOf, sendError, sendResponse } from '@app/observability';
import type { Request, Response } from 'express';
import { GATEWAY_ERRORS, GatewayError } from '../errors/gateway-errors';

/** An express 5 router layer, as far as the route table is read here. */
interface RouterLayer {
  route?: { path?: unknown; methods?: Record<string, boolean> };
}

/**
 * Every error the admin plane answers, from the gateway's catalogue in the shared JSON shape:
 * an unknown path is 404 NOT_FOUND, a known path with another method 405 with `Allow`, other
 * client mistakes 400 MALFORMED_REQUEST; only our own faults are 5xx, logged once here. Terminus' 503 health
 * reports keep their documented format.
 */
@Catch()
export class AdminErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('AdminPlane');
  private routes: RouteMethods | undefined;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request>();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const status = exception instanceof HttpException ? exception.getStatus() : undefined;
    if (exception instanceof HttpException && status === 503) {
      sendResponse(
        res,
        503,
        { 'content-type': 'application/json; charset=utf-8' },
        JSON.stringify(exception.getResponse()),
      );
      return;
    }
    if (status === 404) {
      const allow = this.routeMethods().allowed(pathOf(req.url));
      const error = new GatewayError(allow.length > 0 ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND');
      sendError(
        res,
        error.status,
        error.code,
        error.message,
        allow.length > 0 ? { allow: allow.join(', ') } : {},
      );
      return;
    }
    const clientMistake = status !== undefined && status >= 400 && status < 500;
    const error = new GatewayError(clientMistake ? 'MALFORMED_REQUEST' : 'INTERNAL_ERROR');
    if (GATEWAY_ERRORS[error.code].logLevel === 'error')
      this.logger.error({ err: exception }, 'unexpected error on the admin port');
    sendError(res, error.status, error.code, error.message);
  }

  /** The admin routes and their methods, read once from express' router (HEAD with GET). */
  private routeMethods(): RouteMethods {
    if (this.routes) return this.routes;
    const routes = new RouteMethods();
    const app = this.adapterHost.httpAdapter.getInstance<{ router: { stack: RouterLayer[] } }>();
    for (const layer of app.router.stack) {
      const path = layer.route?.path;
      if (typeof path !== 'string') continue;
      const methods = Object.keys(layer.route?.methods ?? {}).filter((m) => m !== '_all');
      routes.add(path, methods);
      if (methods.includes('get')) routes.add(path, 'HEAD');
    }
    return (this.routes = routes);
  }
}
