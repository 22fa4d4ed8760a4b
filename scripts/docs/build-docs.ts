// `npm run docs`: regenerate every generated section (README.md, docs/*.md, .env.example) from
// the code (scripts/docs/reference.ts). Run after adding a variable, metric or error code.
// `--check`: write nothing, exit 1 naming the files that differ (scripts/docs/docs.spec.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { DOCS_COMMAND, ROOT, render } from './reference';

async function main(check: boolean): Promise<void> {
  const { files, placed } = await render(async (text, file) => {
    const path = join(ROOT, file);
    return format(text, { ...(await resolveConfig(path)), filepath: path });
  });
  const stale: string[] = [];
  for (const [file, text] of files) {
    if (readFileSync(join(ROOT, file), 'utf8') === text) continue;
    stale.push(file);
    if (!check) {
      writeFileSync(join(ROOT, file), text);
      console.log(`wrote ${file}`);
    }
  }
  const unplaced = [...placed].filter(([, where]) => where.length === 0).map(([name]) => name);
  if (unplaced.length > 0) {
    console.error(`generated sections in no file (add their markers): ${unplaced.join(', ')}`);
    process.exitCode = 1;
  }
  if (check && stale.length > 0) {
    console.error(
      `generated sections out of date in ${stale.join(', ')}: run \`${DOCS_COMMAND}\` and commit`,
    );
    process.exitCode = 1;
  }
}

main(process.argv.includes('--check')).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
