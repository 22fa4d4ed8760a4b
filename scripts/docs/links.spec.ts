import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { ROOT } from './reference';

/**
 * Every relative link, every anchor and every repository path the docs name resolves: a renamed
 * file or heading fails here, not in a reader's browser.
 */

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.data', 'coverage', 'results']);

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (SKIP_DIRS.has(entry)) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      out.push(`${relative(ROOT, path)}/`);
      walk(path, out);
    } else out.push(relative(ROOT, path));
  }
  return out;
}

const repoEntries = walk(ROOT);
const repoFiles = new Set(repoEntries);
const TOP_LEVEL = new Set(readdirSync(ROOT).filter((e) => !SKIP_DIRS.has(e)));
const docs = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The text outside fenced code blocks (file trees and shell sessions are not links). */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces → `-`, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${source}$`);
}

const FILE_EXTENSIONS = /\.(ts|mjs|js|cjs|json|ya?ml|md|sh|lua|conf|png|toml)$/;

/** What builds and runs write (.gitignore): named by the docs, absent from a checkout. */
const PRODUCED = /^(dist|coverage|\.data|bench\/results)\//;

/**
 * A repository path as the docs write it: exact, a glob, `src/…` inside an app or lib, or,
 * without an extension, a jest path pattern (`apps/gateway/test/gray`) that some file starts with.
 */
function resolves(path: string): boolean {
  const clean = path.replace(/\/$/, '');
  if (PRODUCED.test(clean)) return true;
  const candidates = clean.startsWith('src/')
    ? repoEntries.filter((e) => /^(apps|libs)\/[^/]+\/$/.test(e)).map((e) => `${e}${clean}`)
    : [clean];
  return candidates.some((c) => {
    if (c.includes('*')) return repoEntries.some((e) => globToRegExp(c).test(e.replace(/\/$/, '')));
    if (existsSync(join(ROOT, c))) return true;
    return !FILE_EXTENSIONS.test(c) && repoEntries.some((e) => e.startsWith(c));
  });
}

/** A file named without its folder (`gateway.core.ts`, `tracing/lean-tracer.ts`) exists somewhere. */
function existsBySuffix(path: string): boolean {
  return [...repoFiles].some((f) => f === path || f.endsWith(`/${path}`));
}

function danglingIn(doc: string): string[] {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const body = prose(text);
  const problems: string[] = [];

  // Markdown links and images with a relative target.
  for (const [, target] of body.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const [file, anchor] = target.split('#', 2);
    const path = file === '' ? doc : normalize(join(dirname(doc), decodeURI(file)));
    if (!existsSync(join(ROOT, path))) {
      problems.push(`${doc}: link ${target} (no ${path})`);
      continue;
    }
    if (
      anchor !== undefined &&
      path.endsWith('.md') &&
      !anchors(readFileSync(join(ROOT, path), 'utf8')).has(anchor)
    )
      problems.push(`${doc}: link ${target} (no heading #${anchor} in ${path})`);
  }

  // Paths in backticks, and repository paths in prose.
  const withoutLinkTargets = body.replace(/\]\([^)]*\)/g, ']');
  const inCode = [...withoutLinkTargets.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  const inProse = [
    ...withoutLinkTargets
      .replace(/`[^`]+`/g, ' ')
      .matchAll(/(?<![\w/.@-])((?:apps|libs|ops|docs|scripts|bench|loadtest)\/[\w./*-]*[\w*/])/g),
  ].map((m) => m[1]);
  for (const token of [...inCode, ...inProse]) {
    if (/\s|:\/\/|[<>{}=…$]|^[./]|\.\.|#/.test(token)) continue;
    const first = token.split('/')[0];
    if (token.includes('/') && (TOP_LEVEL.has(first) || first === 'src')) {
      if (!resolves(token)) problems.push(`${doc}: path ${token}`);
    } else if (FILE_EXTENSIONS.test(token) && /^[\w.@-]+$/.test(token)) {
      // A bare file name is one of ours, wherever it lives; a path under another first folder
      // names a file of an upstream project (docs/operations.md cites them), not checkable here.
      if (!PRODUCED.test(token) && !existsBySuffix(token)) problems.push(`${doc}: file ${token}`);
    }
  }
  return problems;
}

describe('the docs', () => {
  it.each(docs)('%s: every relative link, anchor and repository path resolves', (doc) => {
    expect(danglingIn(doc)).toEqual([]);
  });

  it('name only variables and codes the code has (`UPPER_SNAKE` in backticks)', () => {
    const sources = repoEntries
      .filter(
        (f) =>
          /^(apps|libs|ops|scripts|bench|loadtest|\.ci)\/.*\.(ts|mjs|js|cjs|sh|ya?ml|json|conf|template)$/.test(
            f,
          ) ||
          /(^|\/)([\w.-]+\.)?Dockerfile$/.test(f) ||
          ['docker-compose.yml', '.env.example'].includes(f),
      )
      .filter((f) => !f.startsWith('scripts/docs/'))
      .map((f) => readFileSync(join(ROOT, f), 'utf8'))
      .join('\n');
    const known = new Set(sources.match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g));
    const unknown = docs.flatMap((doc) =>
      [
        ...prose(readFileSync(join(ROOT, doc), 'utf8')).matchAll(
          /`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=[^`]*)?`/g,
        ),
      ]
        .map((m) => m[1])
        .filter((name) => !known.has(name))
        .map((name) => `${doc}: ${name}`),
    );
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('code comments name only docs that exist', () => {
    const problems: string[] = [];
    for (const file of repoEntries) {
      if (!/^(apps|libs|ops|scripts|bench|loadtest)\/.*\.(ts|mjs|js|sh|ya?ml)$/.test(file))
        continue;
      for (const [, doc] of readFileSync(join(ROOT, file), 'utf8').matchAll(
        /\b(docs\/[\w-]+\.md)/g,
      ))
        if (!existsSync(join(ROOT, doc))) problems.push(`${file}: ${doc}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('code comments', () => {
  it('name only files that exist', () => {
    const problems: string[] = [];
    for (const file of repoEntries) {
      if (!/^(apps|libs|ops|scripts|bench|loadtest)\/.*\.(ts|mjs|js|cjs)$/.test(file)) continue;
      for (const line of readFileSync(join(ROOT, file), 'utf8').split('\n')) {
        const comment = /^\s*(\*|\/\/)/.test(line) ? line : line.split(/\s\/\/\s/)[1];
        if (!comment) continue;
        for (const [, path] of comment.matchAll(
          /(?<![\w/.:-])([\w.-]+(?:\/[\w.-]+)+\.(?:ts|mjs|js|cjs|json|ya?ml|sh|md))\b/g,
        ))
          if (!PRODUCED.test(path) && !existsBySuffix(path)) problems.push(`${file}: ${path}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('link ({@link Name}) only to declarations that exist', () => {
    const sources = repoEntries.filter((f) => /^(apps|libs)\/.*\.ts$/.test(f));
    const texts = sources.map((f) => readFileSync(join(ROOT, f), 'utf8'));
    const declared = new Set(
      texts.flatMap((t) =>
        [
          ...t.matchAll(/\b(?:class|function|const|let|interface|type|enum)\s+([A-Za-z_$][\w$]*)/g),
        ].map((m) => m[1]),
      ),
    );
    const dangling = sources.flatMap((file, i) =>
      [...texts[i].matchAll(/\{@link\s+([A-Za-z_$][\w$]*)/g)]
        .map((m) => m[1])
        .filter((name) => !declared.has(name))
        .map((name) => `${file}: {@link ${name}}`),
    );
    expect(dangling).toEqual([]);
  });
});

describe('anchors', () => {
  it('follow GitHub: punctuation dropped, spaces to dashes, repeats numbered', () => {
    expect([
      ...anchors(
        '# A\n## Workers (`GATEWAY_WORKERS`)\n## The stack, started (`npm run test:stack`)\n## A\n',
      ),
    ]).toEqual(['a', 'workers-gateway_workers', 'the-stack-started-npm-run-teststack', 'a-1']);
  });
});
