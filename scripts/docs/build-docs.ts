// `npm run docs`: regenerate every generated section (README.md, docs/*.md, .env.example) from
// the code (scripts/docs/reference.ts). Run after adding a variable, metric or error code.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, render } from './reference';

async function main(): Promise<void> {
  const { files, placed } = await render();
  for (const [file, text] of files) {
    if (readFileSync(join(ROOT, file), 'utf8') === text) continue;
    writeFileSync(join(ROOT, file), text);
    console.log(`wrote ${file}`);
  }
  const unplaced = [...placed].filter(([, where]) => where.length === 0).map(([name]) => name);
  if (unplaced.length > 0) {
    console.error(`sections in no file (add their markers): ${unplaced.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
