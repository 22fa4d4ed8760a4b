import { loadConfig } from '@app/config';
import { type LogCapture } from '@app/testing';
import { type WebConfig, webConfigSchema } from '../src/config/web.config';
import { type WebApp, startWebApp } from '../src/web.app';

/** A web node on an ephemeral loopback port, configured as production would be but quick to stop. */
export function webTestConfig(env: Record<string, string>): WebConfig {
  return loadConfig(webConfigSchema, {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    SHUTDOWN_DELAY_MS: '0',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...env,
  });
}

export function startTestWeb(env: Record<string, string>, logs?: LogCapture): Promise<WebApp> {
  return startWebApp(webTestConfig(env), { logDestination: logs });
}

export const TEXT_PLAIN = 'text/plain; charset=utf-8';
export const JSON_UTF8 = 'application/json; charset=utf-8';
