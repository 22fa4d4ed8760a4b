import { NodeProcess } from './node-process';
import { freePort } from './ports';
import { waitFor } from './wait';

export interface WebProcess {
  name: string;
  port: number;
  url: string;
  proc: NodeProcess;
}

/**
 * One built web node as its own process on `port` (loopback), waited for until it answers.
 * `env` adds to or overrides the defaults (no drain delay, as tests stop nodes at will).
 */
export async function startWebProcess(
  name: string,
  port: number,
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<WebProcess> {
  const proc = NodeProcess.start('web', {
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_NAME: name,
    REDIS_URL: redisUrl,
    SHUTDOWN_DELAY_MS: '0',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  // Probe, not a log line: the node may be told to log at warn.
  await waitFor(async () => ((await fetch(`${url}/health/live`)).ok ? true : undefined), {
    what: `${name} to answer /health/live; stderr: ${proc.stderr.slice(0, 300)}`,
  });
  return { name, port, url, proc };
}

/** web1..web3, each on a free port. */
export async function startWebProcesses(
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<WebProcess[]> {
  const webs: WebProcess[] = [];
  for (const name of ['web1', 'web2', 'web3']) {
    webs.push(await startWebProcess(name, await freePort(), redisUrl, env));
  }
  return webs;
}
