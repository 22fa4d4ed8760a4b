/** Injection token for the shared ioredis client. */
export const REDIS_CLIENT = 'REDIS:CLIENT';
/** Injection token for {@link RedisModuleOptions}. */
export const REDIS_OPTIONS = 'REDIS:OPTIONS';
