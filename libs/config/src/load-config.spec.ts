import { z } from 'zod';
import { flag, logLevel, port, positiveInt, redisUrl } from './env';
import { ConfigValidationError, loadConfig } from './load-config';

const schema = z.object({
  PORT: port(3000),
  REDIS_URL: redisUrl('redis://127.0.0.1:6379'),
  LOG_LEVEL: logLevel,
  TIMEOUT_MS: positiveInt(500),
  VERBOSE: flag(false),
});

describe('loadConfig', () => {
  it('applies defaults for unset and empty variables', () => {
    expect(loadConfig(schema, { PORT: '', LOG_LEVEL: '   ' })).toEqual({
      PORT: 3000,
      REDIS_URL: 'redis://127.0.0.1:6379',
      LOG_LEVEL: 'info',
      TIMEOUT_MS: 500,
      VERBOSE: false,
    });
  });

  it('parses typed values and ignores variables the schema does not name', () => {
    expect(
      loadConfig(schema, {
        PORT: '0',
        REDIS_URL: 'rediss://user:pw@redis.example:6380/2',
        LOG_LEVEL: 'debug',
        TIMEOUT_MS: '25',
        VERBOSE: 'yes',
        HOME: '/root',
      }),
    ).toEqual({
      PORT: 0,
      REDIS_URL: 'rediss://user:pw@redis.example:6380/2',
      LOG_LEVEL: 'debug',
      TIMEOUT_MS: 25,
      VERBOSE: true,
    });
  });

  it('reports every invalid variable at once', () => {
    const attempt = () =>
      loadConfig(schema, {
        PORT: '70000',
        REDIS_URL: 'http://127.0.0.1:6379',
        LOG_LEVEL: 'loud',
        TIMEOUT_MS: '0',
        VERBOSE: 'maybe',
      });
    expect(attempt).toThrow(ConfigValidationError);
    try {
      attempt();
    } catch (err) {
      expect((err as ConfigValidationError).issues.map((i) => i.variable)).toEqual([
        'PORT',
        'REDIS_URL',
        'LOG_LEVEL',
        'TIMEOUT_MS',
        'VERBOSE',
      ]);
    }
    expect(attempt).toThrow(/^Invalid configuration \(5 problems\):\n {2}- PORT: /);
    expect(attempt).toThrow(/\n {2}- REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL\n/);
  });

  it('rejects a non-numeric port with its name', () => {
    expect(() => loadConfig(schema, { PORT: 'eighty' })).toThrow(
      /^Invalid configuration \(1 problem\):\n {2}- PORT: /,
    );
  });
});
