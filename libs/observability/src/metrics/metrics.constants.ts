/** Injection token for the app instance's prom-client registry. */
export const METRICS_REGISTRY = 'METRICS:REGISTRY';
