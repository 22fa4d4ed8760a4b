import { NodeProcess } from './node-process';
import { freePort } from './ports';

export interface GatewayProcess {
  proc: NodeProcess;
  /** Data plane base URL. */
  url: string;
  /** Admin plane base URL. */
  admin: string;
}

/**
 * The built gateway as its own process on loopback, data plane on any free port, admin plane on
 * a free port, in front of `upstreams` (a UPSTREAMS value); waited for until it listens. `env`
 * adds to or overrides the defaults (info logs: the start-up line gives the URL; no access log).
 */
export async function startGatewayProcess(
  upstreams: string,
  env: Record<string, string> = {},
): Promise<GatewayProcess> {
  const adminPort = await freePort();
  const proc = NodeProcess.start('gateway', {
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_PORT: String(adminPort),
    LOG_LEVEL: 'info',
    ACCESS_LOG: 'false',
    UPSTREAMS: upstreams,
    ...env,
  });
  const [, url] = await proc.waitForLog(/data plane listening on (http:\/\/\S+) /);
  return { proc, url, admin: `http://127.0.0.1:${adminPort}` };
}
