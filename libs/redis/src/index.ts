export * from './redis.client';
export * from './redis.constants';
export * from './redis.health';
export * from './redis.module';
