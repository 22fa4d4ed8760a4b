/** Injection token for the host-name resolver (tests pass a fake one). */
export const GATEWAY_RESOLVER = 'GATEWAY:RESOLVER';
