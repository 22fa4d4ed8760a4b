import {
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { closeRedisClient, createRedisClient, waitUntilReady } from './redis.client';
import { REDIS_CLIENT, REDIS_OPTIONS } from './redis.constants';
import { RedisHealthIndicator } from './redis.health';

const STARTUP_WAIT_MS = 2000;

export interface RedisModuleOptions {
  url: string;
  connectionName: string;
  commandTimeoutMs?: number;
}

@Injectable()
class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: Redis) {}

  /**
   * Give the first connection a moment before the app starts listening, so a node started
   * together with Redis does not answer its first requests with 503. Bounded: a node whose
   * Redis is down still starts (readiness says so) and connects when Redis appears.
   */
  async onModuleInit(): Promise<void> {
    await waitUntilReady(this.client, STARTUP_WAIT_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedisClient(this.client);
  }
}

/** Provides one shared, fail-fast Redis client ({@link REDIS_CLIENT}) and its health check. */
@Module({})
export class RedisModule {
  static forRoot(options: RedisModuleOptions): DynamicModule {
    const logger = new Logger('Redis');
    return {
      module: RedisModule,
      global: true,
      imports: [TerminusModule],
      providers: [
        { provide: REDIS_OPTIONS, useValue: options },
        {
          provide: REDIS_CLIENT,
          useFactory: () =>
            createRedisClient({
              ...options,
              onStateChange: (state, err) =>
                state === 'ready'
                  ? logger.log(`connected to ${redact(options.url)}`)
                  : logger.warn(
                      `connection to ${redact(options.url)} lost${err ? `: ${err.message}` : ''}; reconnecting`,
                    ),
            }),
        },
        RedisLifecycle,
        RedisHealthIndicator,
      ],
      exports: [REDIS_CLIENT, RedisHealthIndicator],
    };
  }
}

/** A Redis URL without its password, for logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid url)';
  }
}
