import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import type { GatewayConfig } from './config/gateway.config';
import { GatewayCore } from './gateway.core';
import { GatewayModule, type GatewayModuleOptions } from './gateway.module';

export interface GatewayApp {
  readonly app: NestExpressApplication;
  readonly core: GatewayCore;
  /** Data plane base URL. */
  readonly url: string;
  /** Admin plane base URL. */
  readonly adminUrl: string;
  readonly logger: LoggerService;
  /** Stop accepting, drain in-flight requests, close pools. Resolves true if drained in time. */
  shutdown(): Promise<boolean>;
}

/** Build and start the gateway (data plane + admin plane). Used by main.ts and the e2e tests. */
export async function startGatewayApp(
  config: GatewayConfig,
  options: GatewayModuleOptions = {},
): Promise<GatewayApp> {
  const app = await NestFactory.create<NestExpressApplication>(
    GatewayModule.forRoot(config, options),
    { bufferLogs: true },
  );
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.disable('x-powered-by');
  app.set('etag', false);
  const admin: Server = app.getHttpServer();
  // Bounds on receiving a request (not on the response: live view streams stay open).
  admin.headersTimeout = 10_000;
  admin.requestTimeout = 30_000;
  await app.listen(config.ADMIN_PORT, config.ADMIN_HOST);
  const core = app.get(GatewayCore);
  const { port } = admin.address() as AddressInfo;
  let stopping: Promise<boolean> | undefined;
  return {
    app,
    core,
    url: core.dataPlane.url,
    adminUrl: `http://${config.ADMIN_HOST}:${port}`,
    logger,
    shutdown: () => (stopping ??= app.close().then(() => core.drained)),
  };
}
