// The reference sections of README.md, docs/*.md and .env.example, generated from the code that
// defines them: configuration schemas (each variable's `.meta()`), metric registries, error
// catalogues and response/event schemas. `npm run docs` writes them (build-docs.ts);
// docs.spec.ts fails when a committed copy differs. Everything is read from what the code
// exports, so a variable, metric or error code added there appears here without a change.
import 'reflect-metadata';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { loadConfig } from '@app/config';
import { hitEventSchema } from '@app/hit-events';
import {
  METRICS_REGISTRY,
  type MetricsRegistry,
  createMetricsRegistry,
  httpServerDurationHistogram,
} from '@app/observability';
import { upstreamsResponseSchema } from '../../apps/gateway/src/admin/upstream-view';
import { GATEWAY_CONFIG, gatewayConfigSchema } from '../../apps/gateway/src/config/gateway.config';
import { GATEWAY_ERRORS } from '../../apps/gateway/src/errors/gateway-errors';
import { GatewayMetrics } from '../../apps/gateway/src/metrics/gateway.metrics';
import { WEB_CONFIG, webConfigSchema } from '../../apps/web/src/config/web.config';
import { WEB_ERRORS } from '../../apps/web/src/errors/web-errors';
import { HIT_SCRIPT } from '../../apps/web/src/hits/hit.pipeline';
import { WebMetrics } from '../../apps/web/src/metrics/web.metrics';

export const ROOT = join(__dirname, '../..');

/** The command that regenerates every section; named in every failure message. */
export const DOCS_COMMAND = 'npm run docs';

// ---------------------------------------------------------------- configuration variables

export interface VariableDoc {
  name: string;
  /** As written in an env file; undefined: no default (unset turns something off). */
  default: string | undefined;
  /** Shown instead of `default` when the default is computed at startup. */
  defaultText: string | undefined;
  description: string | undefined;
  nginx: string | undefined;
  /** The allowed values, for an enum. */
  values: readonly string[] | undefined;
}

type AnySchema = z.core.$ZodType;

function metaOf(schema: AnySchema): z.core.GlobalMeta | undefined {
  return z.globalRegistry.get(schema);
}

/** Walk a variable's schema (default → pipe → optional → …) for its default, enum and meta. */
export function describeVariable(name: string, field: AnySchema): VariableDoc {
  let meta: z.core.GlobalMeta = {};
  let fallback: unknown;
  let values: readonly string[] | undefined;
  for (let s: AnySchema | undefined = field; s;) {
    meta = { ...metaOf(s), ...meta };
    const def = s._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
    if (def.type === 'default' && fallback === undefined) fallback = def.defaultValue;
    if (def.type === 'enum' && values === undefined)
      values = Object.values(def.entries as Record<string, string>);
    s = (def.innerType ?? def.in) as AnySchema | undefined;
  }
  return {
    name,
    default: envValue(fallback),
    defaultText: meta.defaultText,
    description: meta.description,
    nginx: meta.nginx,
    values,
  };
}

/** A default as an env file writes it (variables only have scalar defaults). */
function envValue(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function describeVariables(schema: z.ZodObject): VariableDoc[] {
  return Object.entries(schema.shape as Record<string, AnySchema>).map(([name, field]) =>
    describeVariable(name, field),
  );
}

const code = (text: string) => `\`${text}\``;
/** A table cell: no line breaks, no unescaped pipes. */
const cell = (text: string) => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

function meaning(v: VariableDoc): string {
  const text = v.description ?? '';
  if (!v.values || text.includes(code(v.values[0]))) return text;
  return `${text} One of ${v.values.map(code).join(', ')}.`.trim();
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function configTable(schema: z.ZodObject): string {
  const vars = describeVariables(schema);
  const withNginx = vars.some((v) => v.nginx);
  return table(
    ['Variable', 'Default', 'Meaning', ...(withNginx ? ['nginx'] : [])],
    vars.map((v) => [
      code(v.name),
      v.defaultText ?? (v.default === undefined ? 'unset' : code(v.default)),
      meaning(v),
      ...(withNginx ? [v.nginx ? code(v.nginx) : ''] : []),
    ]),
  );
}

/** An env-file block: every variable with its default (empty: computed, or unset). */
export function envBlock(
  schema: z.ZodObject,
  options: { skip?: ReadonlySet<string>; perApp?: ReadonlySet<string> } = {},
): string {
  const lines: string[] = [];
  for (const v of describeVariables(schema)) {
    const text = meaning(v).replace(/`/g, '');
    const note = v.defaultText
      ? ` Default: ${v.defaultText}.`
      : v.default === undefined
        ? ' Unset by default.'
        : '';
    const comment = wrapComment(`${v.name}:${text ? ` ${text}` : ''}${note}`);
    if (options.skip?.has(v.name)) {
      lines.push(...comment, `# ${v.name}=${v.default ?? ''}   (same name as above)`);
      continue;
    }
    if (options.perApp?.has(v.name)) {
      lines.push(...comment, `# ${v.name}=${v.default ?? ''}   (the gateway's default differs)`);
      continue;
    }
    lines.push(...comment, `${v.name}=${v.defaultText ? '' : (v.default ?? '')}`);
  }
  return lines.join('\n');
}

function wrapComment(text: string, width = 98): string[] {
  const out: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/)) {
    if (line.length + 1 + word.length > width && line !== '#') {
      out.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  out.push(line);
  return out;
}

// ---------------------------------------------------------------- metric families

export interface MetricDoc {
  name: string;
  type: string;
  labels: readonly string[];
  help: string;
}

interface MetricInstance {
  name: string;
  help: string;
  type: string;
  labelNames?: readonly string[];
}

type Constructor = new (...args: never[]) => object;

/** Answers any property read and any call with itself: a dependency no metric reads at startup. */
function inert(): unknown {
  const target = function () {};
  const proxy: unknown = new Proxy(target, {
    get: (_t, key) => (key === Symbol.toPrimitive ? () => '' : proxy),
    apply: () => proxy,
  });
  return proxy;
}

/**
 * Construct an injectable the way Nest would, from its `@Inject()` tokens: `provided` by token,
 * any other dependency an inert stand-in (metric classes only store what they are given).
 */
export function construct<T extends Constructor>(
  cls: T,
  provided: Record<string, unknown>,
): InstanceType<T> {
  const design = (Reflect.getMetadata('design:paramtypes', cls) ?? []) as unknown[];
  const tokens = (Reflect.getMetadata('self:paramtypes', cls) ?? []) as {
    index: number;
    param: unknown;
  }[];
  const args = design.map((type, index) => {
    const token = tokens.find((t) => t.index === index)?.param ?? type;
    return typeof token === 'string' && token in provided ? provided[token] : inert();
  });
  return Reflect.construct(cls, args) as InstanceType<T>;
}

/** The families an app defines beyond prom-client's default process and Node.js metrics. */
export function metricFamilies(define: (registry: MetricsRegistry) => void): MetricDoc[] {
  // prom-client's own process and Node.js metrics (not the families createMetricsRegistry adds).
  const bare = new Registry();
  collectDefaultMetrics({ register: bare });
  const defaults = new Set(bare.getMetricsAsArray().map((m) => m.name));
  const registry = createMetricsRegistry();
  define(registry);
  return (registry.getMetricsAsArray() as unknown as MetricInstance[])
    .filter((m) => !defaults.has(m.name))
    .map((m) => ({ name: m.name, type: m.type, labels: m.labelNames ?? [], help: m.help }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export const webMetricFamilies = () =>
  metricFamilies((registry) => {
    construct(WebMetrics, {
      [METRICS_REGISTRY]: registry,
      [WEB_CONFIG]: loadConfig(webConfigSchema, {}),
    });
    httpServerDurationHistogram(registry);
  });

export const gatewayMetricFamilies = () =>
  metricFamilies((registry) => {
    construct(GatewayMetrics, {
      [METRICS_REGISTRY]: registry,
      [GATEWAY_CONFIG]: loadConfig(gatewayConfigSchema, {}),
    });
  });

export function metricsTable(families: MetricDoc[]): string {
  return table(
    ['Metric', 'Type', 'Labels', 'Help'],
    families.map((m) => [code(m.name), m.type, m.labels.map(code).join(', '), m.help]),
  );
}

// ---------------------------------------------------------------- error catalogues

interface ErrorEntry {
  status: number;
  message: string;
  description?: string;
  retryable?: boolean;
  retryAfterSeconds?: number;
  /** Whose fault (the gateway's catalogue): only `upstream` counts against an upstream. */
  fault?: string;
  /** The answer closes the client's connection. */
  closes?: boolean;
  logLevel?: string | null;
}

export function errorTable(
  catalogue: Record<string, ErrorEntry>,
  options: { fault?: boolean } = {},
): string {
  const entries = Object.entries(catalogue).sort(
    ([a, x], [b, y]) => x.status - y.status || a.localeCompare(b),
  );
  return table(
    [
      'Code',
      'Status',
      'Retryable',
      ...(options.fault ? ['Fault', 'Closes'] : []),
      'Logged',
      'When',
    ],
    entries.map(([name, e]) => [
      code(name),
      String(e.status),
      e.retryable
        ? `yes${e.retryAfterSeconds !== undefined ? ` (\`Retry-After: ${e.retryAfterSeconds}\`)` : ''}`
        : 'no',
      ...(options.fault ? [e.fault ?? '', e.closes ? 'yes' : 'no'] : []),
      e.logLevel ? code(e.logLevel) : '—',
      e.description ?? '',
    ]),
  );
}

// ---------------------------------------------------------------- shapes

/** Field rows of an object schema, nested objects and arrays flattened into paths. */
export function shapeRows(schema: AnySchema, prefix = ''): string[][] {
  const rows: string[][] = [];
  const object = unwrap(schema).schema;
  const def = object._zod.def as z.core.$ZodTypeDef & { shape?: Record<string, AnySchema> };
  for (const [key, field] of Object.entries(def.shape ?? {})) {
    const path = `${prefix}${key}`;
    rows.push([code(path), typeText(field), describeVariable(path, field).description ?? '']);
    const inner = unwrap(field);
    const innerDef = inner.schema._zod.def as z.core.$ZodTypeDef & { element?: AnySchema };
    if (innerDef.type === 'object') rows.push(...shapeRows(inner.schema, `${path}.`));
    if (
      innerDef.type === 'array' &&
      innerDef.element &&
      unwrap(innerDef.element).schema._zod.def.type === 'object'
    )
      rows.push(...shapeRows(innerDef.element, `${path}[].`));
  }
  return rows;
}

function unwrap(schema: AnySchema): { schema: AnySchema; nullable: boolean; optional: boolean } {
  let nullable = false;
  let optional = false;
  let s = schema;
  for (;;) {
    const def = s._zod.def as z.core.$ZodTypeDef & { innerType?: AnySchema };
    if (def.type === 'nullable') nullable = true;
    else if (def.type === 'optional') optional = true;
    else if (def.type !== 'default') return { schema: s, nullable, optional };
    s = def.innerType as AnySchema;
  }
}

function typeText(schema: AnySchema): string {
  const { schema: s, nullable, optional } = unwrap(schema);
  const def = s._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  let text: string;
  switch (def.type) {
    case 'enum':
      text = Object.values(def.entries as Record<string, string>)
        .map((v) => code(JSON.stringify(v)))
        .join(' or ');
      break;
    case 'literal':
      text = (def.values as unknown[]).map((v) => code(JSON.stringify(v))).join(' or ');
      break;
    case 'number':
      text = (s as z.ZodNumber).isInt ? 'integer' : 'number';
      break;
    case 'array':
      text = `array of ${typeText(def.element as AnySchema)}`;
      break;
    default:
      text = def.type;
  }
  if (nullable) text += ' or `null`';
  if (optional) text += ' (optional)';
  return text;
}

export function shapeTable(schema: AnySchema): string {
  return table(['Field', 'Type', 'Meaning'], shapeRows(schema));
}

// ---------------------------------------------------------------- sections and files

/** Every generated section by name, as written between its markers. */
export function sections(): Record<string, string> {
  const gatewayVars = new Set(Object.keys(gatewayConfigSchema.shape));
  const shared = new Set(Object.keys(webConfigSchema.shape).filter((n) => gatewayVars.has(n)));
  // A shared name whose default differs per app (PORT, OTEL_SERVICE_NAME, …) is left commented
  // out in the web block too: exporting the file must not give the gateway the web's value.
  const defaults = (schema: z.ZodObject) =>
    new Map(describeVariables(schema).map((v) => [v.name, v.default]));
  const webDefaults = defaults(webConfigSchema);
  const gatewayDefaults = defaults(gatewayConfigSchema);
  const perApp = new Set(
    [...shared].filter((n) => String(webDefaults.get(n)) !== String(gatewayDefaults.get(n))),
  );
  return {
    'web-config': configTable(webConfigSchema),
    'gateway-config': configTable(gatewayConfigSchema),
    'web-metrics': metricsTable(webMetricFamilies()),
    'gateway-metrics': metricsTable(gatewayMetricFamilies()),
    'web-errors': errorTable(WEB_ERRORS),
    'gateway-errors': errorTable(GATEWAY_ERRORS, { fault: true }),
    'upstreams-response': shapeTable(upstreamsResponseSchema),
    'hit-event': shapeTable(hitEventSchema),
    'hit-script': `\`\`\`lua\n${HIT_SCRIPT.trim()}\n\`\`\``,
    'web-env': envBlock(webConfigSchema, { perApp }),
    'gateway-env': envBlock(gatewayConfigSchema, { skip: shared }),
  };
}

/** The files that may hold sections: README.md, docs/*.md, .env.example. */
export function documentFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs, '.env.example'];
}

const MARKDOWN_BLOCK =
  /(<!-- BEGIN GENERATED: ([a-z0-9-]+) [^>]*-->\n)[\s\S]*?(<!-- END GENERATED -->)/g;
const ENV_BLOCK = /(# BEGIN GENERATED: ([a-z0-9-]+) .*\n)[\s\S]*?(# END GENERATED)/g;

export interface Rendered {
  /** File (relative to the repository) → its text with every section regenerated. */
  files: Map<string, string>;
  /** Section name → the files it was written to. */
  placed: Map<string, string[]>;
}

/**
 * Regenerate every section in every file; throws on a marker naming no section. `formatMarkdown`
 * is prettier in `npm run docs` (the committed files pass `prettier --check`).
 */
export async function render(
  formatMarkdown: (text: string, file: string) => Promise<string>,
): Promise<Rendered> {
  const all = sections();
  const files = new Map<string, string>();
  const placed = new Map<string, string[]>(Object.keys(all).map((name) => [name, []]));
  for (const file of documentFiles()) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const markdown = file.endsWith('.md');
    let next = text.replace(
      markdown ? MARKDOWN_BLOCK : ENV_BLOCK,
      (_m, begin: string, name: string, end: string) => {
        const body = all[name];
        if (body === undefined)
          throw new Error(
            `${file}: no generated section is called "${name}" (${Object.keys(all).join(', ')})`,
          );
        placed.get(name)?.push(file);
        return markdown ? `${begin}\n${body}\n\n${end}` : `${begin}${body}\n${end}`;
      },
    );
    if (markdown && next !== text) next = await formatMarkdown(next, file);
    files.set(file, next);
  }
  return { files, placed };
}
