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

/**
 * Build and start the gateway: data plane and admin plane (`role: 'single'`, the default), or
 * the data plane alone (`role: 'worker'`, under GATEWAY_WORKERS > 1: the admin port is the
 * primary's; `adminUrl` is then empty). Used by main.ts and the e2e tests.
 */
export async function startGatewayApp(
  config: GatewayConfig,
  options: GatewayModuleOptions = {},
): Promise<GatewayApp> {
  const app = await createApp(config, options);
  let adminUrl = '';
  if (options.role === 'worker') await app.init();
  else adminUrl = await listenAdmin(app, config);
  const core = app.get(GatewayCore);
  let stopping: Promise<boolean> | undefined;
  return {
    app,
    core,
    url: core.dataPlane.url,
    adminUrl,
    logger: app.get(Logger),
    shutdown: () => (stopping ??= app.close().then(() => core.drained)),
  };
}

/** The admin plane alone: the primary's with GATEWAY_WORKERS > 1 (cluster/primary.ts). */
export async function startAdminPlane(
  config: GatewayConfig,
  options: GatewayModuleOptions,
): Promise<{ app: NestExpressApplication; adminUrl: string; logger: LoggerService }> {
  const app = await createApp(config, { ...options, role: 'primary' });
  const adminUrl = await listenAdmin(app, config);
  return { app, adminUrl, logger: app.get(Logger) };
}

async function createApp(
  config: GatewayConfig,
  options: GatewayModuleOptions,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    GatewayModule.forRoot(config, options),
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('etag', false);
  return app;
}

async function listenAdmin(app: NestExpressApplication, config: GatewayConfig): Promise<string> {
  const admin: Server = app.getHttpServer();
  // Bounds on receiving a request (not on the response: live view streams stay open).
  admin.headersTimeout = 10_000;
  admin.requestTimeout = 30_000;
  await app.listen(config.ADMIN_PORT, config.ADMIN_HOST);
  const { port } = admin.address() as AddressInfo;
  return `http://${config.ADMIN_HOST}:${port}`;
}
