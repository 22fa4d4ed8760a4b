import type { UpstreamView } from '../admin/upstream-view';

/** Injection token for {@link UpstreamSource}. */
export const UPSTREAM_SOURCE = 'GATEWAY:UPSTREAM_SOURCE';

/**
 * What the admin plane shows of the upstreams: `/upstreams`, readiness, the live view. In one
 * process it is the data plane's own registry (GatewayCore); with GATEWAY_WORKERS > 1 the
 * primary merges what every worker reports (cluster/cluster-upstreams.ts).
 */
export interface UpstreamSource {
  /** Every upstream, as /upstreams and the live view show it. */
  views(): UpstreamView[];
  /** The gateway is draining: readiness answers 503. */
  readonly draining: boolean;
}
