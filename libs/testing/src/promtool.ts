import { spawn } from 'node:child_process';

/**
 * `promtool check metrics` on an exposition: resolves with promtool's output when clean,
 * rejects with its findings otherwise.
 */
export function promtoolCheckMetrics(exposition: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`promtool exit ${code}: ${output}`)),
    );
    child.stdin.end(exposition);
  });
}
