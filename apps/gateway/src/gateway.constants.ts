/** Injection token for the host-name resolver (tests pass a fake one). */
export const GATEWAY_RESOLVER = 'GATEWAY:RESOLVER';

/** Injection token for the access logger (a pino child), or undefined when ACCESS_LOG=false. */
export const GATEWAY_ACCESS_LOG = 'GATEWAY:ACCESS_LOG';
