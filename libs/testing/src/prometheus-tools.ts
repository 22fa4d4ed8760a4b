import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the tests' Prometheus 3.5 and promtool 3.5 live: the folder
 * scripts/ensure-system-deps.sh extracts Debian's binaries into (the machine's own Debian has
 * only 2.x, which the pinned prom/prometheus:v3.5 image is not).
 */
export const PROMETHEUS_TOOLS_DIR = join(
  process.env.OC_TOOLS_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'observable-cluster/tools'),
  'bin',
);

/** The path of `prometheus` or `promtool` 3.5; throws, saying how to get it, when absent. */
export function prometheusTool(name: 'prometheus' | 'promtool'): string {
  const path = join(PROMETHEUS_TOOLS_DIR, name);
  if (!existsSync(path))
    throw new Error(`${path} is missing: run \`bash scripts/ensure-system-deps.sh\` (${name} 3.5)`);
  return path;
}
