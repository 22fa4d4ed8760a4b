import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prometheusTool } from './prometheus-tools';

/** promtool 3.5 with `args` and `input` on stdin: its output when it exits 0, else rejects. */
function promtool(args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(prometheusTool('promtool'), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`promtool exit ${code}: ${output}`)),
    );
    child.stdin.end(input);
  });
}

/**
 * `promtool check metrics` on an exposition: resolves with promtool's output when clean,
 * rejects with its findings otherwise.
 */
export function promtoolCheckMetrics(exposition: string): Promise<string> {
  return promtool(['check', 'metrics'], exposition);
}

/**
 * `promtool push metrics`: the exposition's samples sent as one remote-write request to `url`
 * (what k6 and Tempo's metrics generator do to Prometheus's receiver).
 */
export async function promtoolPushMetrics(url: string, exposition: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'oc-push-'));
  try {
    writeFileSync(join(dir, 'metrics.prom'), exposition);
    return await promtool(['push', 'metrics', url, join(dir, 'metrics.prom')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
