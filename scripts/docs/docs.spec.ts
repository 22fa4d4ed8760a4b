import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { gatewayConfigSchema } from '../../apps/gateway/src/config/gateway.config';
import { GATEWAY_ERRORS } from '../../apps/gateway/src/errors/gateway-errors';
import { webConfigSchema } from '../../apps/web/src/config/web.config';
import { WEB_ERRORS } from '../../apps/web/src/errors/web-errors';
import {
  DOCS_COMMAND,
  ROOT,
  configTable,
  construct,
  describeVariables,
  envBlock,
  errorTable,
  gatewayMetricFamilies,
  render,
  shapeTable,
  webMetricFamilies,
} from './reference';

describe('generated reference sections', () => {
  it(`match the code (else run \`${DOCS_COMMAND}\` and commit)`, () => {
    // The real command, in check mode: prettier (which formats the sections) cannot run
    // inside jest's module sandbox.
    const run = spawnSync(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'scripts/docs/build-docs.ts',
        '--check',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('are each placed in at least one file', async () => {
    const { placed } = await render((text) => Promise.resolve(text));
    const unplaced = [...placed].filter(([, files]) => files.length === 0).map(([name]) => name);
    expect(unplaced).toEqual([]);
  });

  it.each([
    ['web', webConfigSchema],
    ['gateway', gatewayConfigSchema],
  ])('give every %s variable a meaning (`.meta({ description })` in its schema)', (_, schema) => {
    const undocumented = describeVariables(schema)
      .filter((v) => !v.description)
      .map((v) => v.name);
    expect(undocumented).toEqual([]);
  });

  it.each([
    ['web', WEB_ERRORS],
    ['gateway', GATEWAY_ERRORS],
  ])('give every %s error code a description', (_, catalogue) => {
    const undocumented = Object.entries(catalogue)
      .filter(([, e]) => !(e as { description?: string }).description)
      .map(([code]) => code);
    expect(undocumented).toEqual([]);
  });

  it('cover every metric family the source defines', () => {
    const documented = new Set(
      [...webMetricFamilies(), ...gatewayMetricFamilies()].map((m) => m.name),
    );
    const defined = metricNamesInSource();
    expect(defined.length).toBeGreaterThan(10);
    expect(defined.filter((name) => !documented.has(name))).toEqual([]);
  });
});

/** Every `new Counter|Gauge|Histogram|Summary({ name: '…' })` in apps/ and libs/ (not specs). */
function metricNamesInSource(): string[] {
  const names: string[] = [];
  const pattern =
    /new (?:Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name: '([a-z_:][a-z0-9_:]*)'/g;
  for (const file of sourceFiles(join(ROOT, 'apps')).concat(sourceFiles(join(ROOT, 'libs')))) {
    for (const match of readFileSync(file, 'utf8').matchAll(pattern)) names.push(match[1]);
  }
  return names.sort();
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== 'node_modules' && entry !== 'test') out.push(...sourceFiles(path));
    } else if (/\.ts$/.test(entry) && !/\.spec\.ts$/.test(entry)) out.push(path);
  }
  return out.filter((f) => !relative(ROOT, f).startsWith('dist'));
}

describe('the generator', () => {
  const schema = z.object({
    A_MS: z.coerce.number().int().default(5).meta({ description: 'A bound.', nginx: 'a_timeout' }),
    MODE: z.enum(['x', 'y']).default('x').meta({ description: 'The mode.' }),
    URL: z.url().optional().meta({ description: 'Where; unset: off.' }),
    NAME: z
      .string()
      .default('host-1')
      .meta({ description: 'A name.', defaultText: 'the host name' }),
    BARE: z.string().default('b'),
  });

  it('renders every variable of a schema with its default, meaning and nginx directive', () => {
    expect(configTable(schema)).toBe(
      [
        '| Variable | Default | Meaning | nginx |',
        '| --- | --- | --- | --- |',
        '| `A_MS` | `5` | A bound. | `a_timeout` |',
        '| `MODE` | `x` | The mode. One of `x`, `y`. |  |',
        '| `URL` | unset | Where; unset: off. |  |',
        '| `NAME` | the host name | A name. |  |',
        '| `BARE` | `b` |  |  |',
      ].join('\n'),
    );
  });

  it('writes an env block with every default, leaving computed ones empty', () => {
    expect(envBlock(schema, { skip: new Set(['BARE']) })).toBe(
      [
        '# A_MS: A bound.',
        'A_MS=5',
        '# MODE: The mode. One of x, y.',
        'MODE=x',
        '# URL: Where; unset: off. Unset by default.',
        'URL=',
        '# NAME: A name. Default: the host name.',
        'NAME=',
        '# BARE:',
        '# BARE=b   (same name as above)',
      ].join('\n'),
    );
  });

  it('renders an error catalogue sorted by status', () => {
    expect(
      errorTable({
        B: {
          status: 503,
          message: 'm',
          description: 'Down.',
          retryable: true,
          retryAfterSeconds: 1,
          logLevel: 'debug',
        },
        A: { status: 400, message: 'm', description: 'Bad.', retryable: false, logLevel: null },
      }),
    ).toBe(
      [
        '| Code | Status | Retryable | Logged | When |',
        '| --- | --- | --- | --- | --- |',
        '| `A` | 400 | no | — | Bad. |',
        '| `B` | 503 | yes (`Retry-After: 1`) | `debug` | Down. |',
      ].join('\n'),
    );
  });

  it('flattens a response schema into field paths', () => {
    const response = z.object({
      items: z
        .array(
          z.object({ id: z.string().meta({ description: 'Id.' }), n: z.number().int().nullable() }),
        )
        .meta({ description: 'All.' }),
      state: z.enum(['up', 'down']).optional(),
    });
    expect(shapeTable(response)).toBe(
      [
        '| Field | Type | Meaning |',
        '| --- | --- | --- |',
        '| `items` | array of object | All. |',
        '| `items[].id` | string | Id. |',
        '| `items[].n` | integer or `null` |  |',
        '| `state` | `"up"` or `"down"` (optional) |  |',
      ].join('\n'),
    );
  });

  it('constructs an injectable from its tokens, standing in for the others', () => {
    class Needs {
      constructor(
        readonly registry: unknown,
        readonly other: { anything: { at: () => unknown } },
      ) {}
    }
    Reflect.defineMetadata('design:paramtypes', [Object, Object], Needs);
    Reflect.defineMetadata('self:paramtypes', [{ index: 0, param: 'REG' }], Needs);
    const built = construct(Needs, { REG: 'the registry' });
    expect(built.registry).toBe('the registry');
    expect(typeof built.other.anything.at()).toBe('function');
  });
});
