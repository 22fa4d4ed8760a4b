export * from './http-server-span';
export * from './logging/logging';
export * from './metrics/http-metrics';
export * from './metrics/metrics.constants';
export * from './metrics/metrics.module';
export * from './metrics/registry';
export * from './trace-context';
export * from './client-span';
