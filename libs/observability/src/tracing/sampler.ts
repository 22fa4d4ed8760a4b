import { type SpanContext, TraceFlags } from '@opentelemetry/api';

/** Decides whether a new span is recorded and exported (its trace's `sampled` flag). */
export interface Sampler {
  shouldSample(parent: SpanContext | undefined, traceId: string): boolean;
}

const alwaysOn: Sampler = { shouldSample: () => true };
const alwaysOff: Sampler = { shouldSample: () => false };

/**
 * `traceidratio`: a deterministic function of the trace id, so every process of the cluster
 * decides the same for one trace. The low 32 bits of the id (random per W3C Trace Context
 * level 2) against `ratio × 2³²`.
 */
function traceIdRatio(ratio: number): Sampler {
  const bound = Math.floor(Math.max(0, Math.min(1, ratio)) * 0x1_0000_0000);
  return { shouldSample: (_parent, traceId) => parseInt(traceId.slice(-8), 16) < bound };
}

/** `parentbased_*`: follow the caller's sampled flag; `root` decides for new traces. */
function parentBased(root: Sampler): Sampler {
  return {
    shouldSample: (parent, traceId) =>
      parent ? (parent.traceFlags & TraceFlags.SAMPLED) !== 0 : root.shouldSample(parent, traceId),
  };
}

export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

/** The sampler `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` name (spec defaults). */
export function samplerFromEnv(name: SamplerName | undefined, arg: number | undefined): Sampler {
  const ratio = arg ?? 1;
  switch (name ?? 'parentbased_always_on') {
    case 'always_on':
      return alwaysOn;
    case 'always_off':
      return alwaysOff;
    case 'traceidratio':
      return traceIdRatio(ratio);
    case 'parentbased_always_off':
      return parentBased(alwaysOff);
    case 'parentbased_traceidratio':
      return parentBased(traceIdRatio(ratio));
    default:
      return parentBased(alwaysOn);
  }
}
