import { lookup as dnsLookup } from 'node:dns/promises';
import { Pool } from 'undici';
import type { GatewayConfig } from '../config/gateway.config';
import { Upstream, type UpstreamEvents, ignoreUpstreamEvents } from './upstream';
import type { UpstreamSpec } from './upstream-spec';

/** Resolves a host name to every address it has (A and AAAA). */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, order: 'ipv4first' })).map((a) => a.address);

/** An upstream plus the keep-alive connection pool that reaches it. */
export interface Backend {
  readonly upstream: Upstream;
  readonly pool: Pool;
}

export interface RegistryListener {
  /** The set of upstreams changed (startup, DNS): balancers and metrics rebuild their views. */
  changed(upstreams: readonly Upstream[]): void;
  resolveFailed(spec: UpstreamSpec, error: Error): void;
}

const ignoreRegistryEvents: RegistryListener = { changed: () => {}, resolveFailed: () => {} };

/**
 * The live set of upstreams: one per address each `UPSTREAMS` entry resolves to, re-resolved
 * every DNS_REFRESH_MS so `docker compose up --scale web=5` or a Kubernetes headless service
 * adds and removes upstreams without a restart. An upstream whose address persists keeps its
 * state (health, counters, connections); a failed lookup keeps the addresses last known.
 */
export class UpstreamRegistry {
  private backends = new Map<string, Backend>();
  private list: readonly Upstream[] = [];
  /** Derived from `backends` on every refresh: the proxy's lookup by upstream. */
  private pools = new Map<Upstream, Pool>();
  private readonly lastKnown = new Map<UpstreamSpec, string[]>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly specs: readonly UpstreamSpec[],
    private readonly config: Pick<
      GatewayConfig,
      | 'UPSTREAM_CONNECT_TIMEOUT_MS'
      | 'UPSTREAM_HEADERS_TIMEOUT_MS'
      | 'UPSTREAM_BODY_TIMEOUT_MS'
      | 'UPSTREAM_IDLE_TIMEOUT_MS'
      | 'UPSTREAM_MAX_CONNECTIONS'
      | 'DNS_REFRESH_MS'
    >,
    private readonly resolver: Resolver = systemResolver,
    private readonly upstreamEvents: UpstreamEvents = ignoreUpstreamEvents,
    private readonly listener: RegistryListener = ignoreRegistryEvents,
  ) {}

  /** Current upstreams, in UPSTREAMS order (the balancer iterates this on every pick). */
  get upstreams(): readonly Upstream[] {
    return this.list;
  }

  /** The pool for an upstream (stable for the upstream's lifetime). */
  poolOf(upstream: Upstream): Pool {
    const pool = this.pools.get(upstream);
    if (!pool) throw new Error(`no pool for ${upstream.id}`);
    return pool;
  }

  /** Resolve once now, then keep re-resolving host names in the background. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.specs.some((s) => !s.literal)) {
      this.timer = setInterval(() => void this.refresh(), this.config.DNS_REFRESH_MS);
      this.timer.unref();
    }
  }

  async refresh(): Promise<void> {
    const resolved = await Promise.all(this.specs.map((spec) => this.addressesOf(spec)));
    const next = new Map<string, Backend>();
    resolved.forEach((addresses, i) => {
      const spec = this.specs[i];
      for (const address of addresses) {
        const label =
          spec.literal || addresses.length === 1
            ? `${spec.hostname}:${spec.port}`
            : `${spec.hostname}:${spec.port}@${address}`;
        const key = `${spec.url} ${address} ${label}`;
        next.set(key, this.backends.get(key) ?? this.createBackend(spec, address, label));
      }
    });
    const removed = [...this.backends.entries()].filter(([key]) => !next.has(key));
    const changed = removed.length > 0 || next.size !== this.backends.size;
    this.backends = next;
    this.pools = new Map([...next.values()].map((b) => [b.upstream, b.pool]));
    this.list = [...next.values()].map((b) => b.upstream);
    for (const [, backend] of removed) {
      void backend.pool.close(); // lets in-flight requests finish
    }
    if (changed) this.listener.changed(this.list);
  }

  /** Stop re-resolving and close every pool (in-flight requests finish first). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.backends.values()].map((b) => b.pool.close()));
  }

  /** Cut every upstream connection now (shutdown bound exceeded). */
  async destroy(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.backends.values()].map((b) => b.pool.destroy()));
  }

  private async addressesOf(spec: UpstreamSpec): Promise<string[]> {
    if (spec.literal) return [spec.hostname];
    try {
      const addresses = [...new Set(await this.resolver(spec.hostname))].sort();
      this.lastKnown.set(spec, addresses);
      return addresses;
    } catch (err) {
      this.listener.resolveFailed(spec, err as Error);
      return this.lastKnown.get(spec) ?? [];
    }
  }

  private createBackend(spec: UpstreamSpec, address: string, label: string): Backend {
    const upstream = new Upstream(spec, address, label, this.upstreamEvents);
    const pool = new Pool(upstream.origin, {
      connections: this.config.UPSTREAM_MAX_CONNECTIONS,
      connectTimeout: this.config.UPSTREAM_CONNECT_TIMEOUT_MS,
      headersTimeout: this.config.UPSTREAM_HEADERS_TIMEOUT_MS,
      bodyTimeout: this.config.UPSTREAM_BODY_TIMEOUT_MS,
      keepAliveTimeout: this.config.UPSTREAM_IDLE_TIMEOUT_MS,
      // The upstream's Keep-Alive hint may shorten, never lengthen, our idle timeout.
      keepAliveMaxTimeout: this.config.UPSTREAM_IDLE_TIMEOUT_MS,
      pipelining: 1,
    });
    return { upstream, pool };
  }
}
