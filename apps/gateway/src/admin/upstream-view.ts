import type { EjectionReason, HealthCheckResult, Upstream } from '../upstreams/upstream';

/** One upstream as /upstreams and the live view show it. */
export interface UpstreamView {
  id: string;
  url: string;
  address: string;
  /** The node name it answers with (x-served-by), null until it has answered. */
  node: string | null;
  weight: number;
  state: 'up' | 'down';
  reason: EjectionReason | null;
  inFlight: number;
  requests: number;
  failures: number;
  ejections: number;
  lastCheck: HealthCheckResult | null;
  /** With GATEWAY_WORKERS > 1: each worker's state of this upstream (cluster/cluster-upstreams.ts). */
  workers?: {
    worker: number;
    pid: number;
    state: 'up' | 'down';
    reason: EjectionReason | null;
    requests: number;
  }[];
}

export function upstreamView(u: Upstream): UpstreamView {
  return {
    id: u.id,
    url: u.spec.url,
    address: u.address,
    node: u.node ?? null,
    weight: u.weight,
    state: u.state,
    reason: u.downReason ?? null,
    inFlight: u.inFlight,
    requests: u.requests,
    failures: u.failures,
    ejections: u.ejections,
    lastCheck: u.lastCheck ?? null,
  };
}
