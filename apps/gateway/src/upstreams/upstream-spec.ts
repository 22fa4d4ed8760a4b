import { isIP } from 'node:net';

/**
 * One `UPSTREAMS` entry, nginx `server` semantics: `URL [weight=N] [max_fails=N] [fail_timeout=Ns]`
 * (https://nginx.org/en/docs/http/ngx_http_upstream_module.html#server).
 */
export interface UpstreamSpec {
  /** The entry as written (normalised): `http://web1:3000`. */
  url: string;
  hostname: string;
  port: number;
  /** True when hostname is an IP literal: no DNS resolution needed. */
  literal: boolean;
  weight: number;
  /** Failures within failTimeoutMs that eject the upstream; 0 disables passive checks. */
  maxFails: number;
  /** Window for counting failures, and how long an ejection lasts. */
  failTimeoutMs: number;
}

/** nginx defaults for the same parameters. */
export const UPSTREAM_DEFAULTS = { weight: 1, maxFails: 1, failTimeoutMs: 10_000 } as const;

const KEYS = ['weight', 'max_fails', 'fail_timeout'] as const;
type Key = (typeof KEYS)[number];

export type UpstreamSpecsResult =
  { ok: true; specs: UpstreamSpec[] } | { ok: false; errors: string[] };

/**
 * Parse the whole `UPSTREAMS` value, collecting every problem (each names its entry) rather
 * than stopping at the first, so one start attempt shows everything to fix.
 */
export function parseUpstreams(value: string): UpstreamSpecsResult {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) return { ok: false, errors: ['at least one upstream is required'] };

  const errors: string[] = [];
  const specs: UpstreamSpec[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1} "${entry}"`;
    const [rawUrl, ...params] = entry.split(/\s+/);
    const problems: string[] = [];
    const url = parseUrl(rawUrl, problems);
    const settings = parseParams(params, problems);
    if (problems.length > 0 || !url) {
      errors.push(...problems.map((p) => `${where}: ${p}`));
      return;
    }
    if (seen.has(url.url)) {
      errors.push(`${where}: duplicate of an earlier entry`);
      return;
    }
    seen.add(url.url);
    specs.push({ ...url, ...settings });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, specs };
}

function parseUrl(
  raw: string,
  problems: string[],
): Pick<UpstreamSpec, 'url' | 'hostname' | 'port' | 'literal'> | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`"${raw}" is not a URL (expected http://host:port)`);
    return undefined;
  }
  if (url.protocol !== 'http:') {
    problems.push(`unsupported scheme "${url.protocol}" (only http:// upstreams)`);
    return undefined;
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    problems.push('an upstream URL is an origin only: no path, query, fragment or credentials');
    return undefined;
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 80 : Number(url.port);
  return {
    url: url.origin,
    hostname,
    port,
    literal: isIP(hostname) !== 0,
  };
}

function parseParams(
  params: string[],
  problems: string[],
): Pick<UpstreamSpec, 'weight' | 'maxFails' | 'failTimeoutMs'> {
  const settings = { ...UPSTREAM_DEFAULTS } as {
    weight: number;
    maxFails: number;
    failTimeoutMs: number;
  };
  const given = new Set<Key>();
  for (const param of params) {
    const match = /^([a-z_]+)=(.*)$/.exec(param);
    const key = match?.[1] as Key | undefined;
    if (!match || !key || !KEYS.includes(key)) {
      problems.push(`unknown parameter "${param}" (known: ${KEYS.join(', ')})`);
      continue;
    }
    if (given.has(key)) {
      problems.push(`"${key}" given twice`);
      continue;
    }
    given.add(key);
    const value = match[2];
    switch (key) {
      case 'weight': {
        const n = integer(value);
        if (n === undefined || n < 1 || n > 1000)
          problems.push(`weight must be an integer 1..1000, got "${value}"`);
        else settings.weight = n;
        break;
      }
      case 'max_fails': {
        const n = integer(value);
        if (n === undefined || n < 0)
          problems.push(`max_fails must be an integer >= 0, got "${value}"`);
        else settings.maxFails = n;
        break;
      }
      case 'fail_timeout': {
        const ms = duration(value);
        if (ms === undefined || ms <= 0)
          problems.push(`fail_timeout must be a duration like 10s or 500ms, got "${value}"`);
        else settings.failTimeoutMs = ms;
        break;
      }
    }
  }
  return settings;
}

function integer(value: string): number | undefined {
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

/** nginx time syntax subset: `10`, `10s`, `500ms`, `1m` (a bare number means seconds). */
export function duration(value: string): number | undefined {
  const match = /^(\d+)(ms|s|m)?$/.exec(value);
  if (!match) return undefined;
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  return unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000;
}
