// Small helpers shared by the repository's Node scripts (npm start, npm run bench).
import { execFileSync } from 'node:child_process';

/** Is `binary` on PATH? */
export function onPath(binary) {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
