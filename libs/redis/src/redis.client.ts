import Redis, { type RedisOptions } from 'ioredis';

export interface RedisClientOptions {
  url: string;
  /** Shown in `CLIENT LIST`, so an operator can tell our connections apart. */
  connectionName: string;
  /** Bound on any one command; a request never waits longer than this on Redis. */
  commandTimeoutMs?: number;
  /** Called on each connection state change (not on every failed reconnect attempt). */
  onStateChange?: (state: 'ready' | 'down', error?: Error) => void;
}

const ignoreStateChange = () => {};

/**
 * An ioredis client that fails fast instead of queueing: while Redis is down every command is
 * rejected at once (no offline queue) or after `commandTimeoutMs` (a half-open connection), and
 * the client keeps reconnecting on its own with a capped backoff, so a node serves again within
 * ~0.5 s of Redis coming back. Requests must never pile up waiting for a reconnection.
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  const onStateChange = options.onStateChange ?? ignoreStateChange;
  const redisOptions: RedisOptions = {
    connectionName: options.connectionName,
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    connectTimeout: 2000,
    // A command in flight when the connection drops fails rather than being replayed after
    // reconnection: replaying INCR could count a hit whose caller already got an error.
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(50 * attempt, 500),
  };
  const client = new Redis(options.url, redisOptions);
  coalesceWrites(client);

  // Report transitions only: ioredis emits 'error' for every failed reconnect attempt.
  let state: 'connecting' | 'ready' | 'down' = 'connecting';
  const markDown = (err?: Error) => {
    if (state === 'down') return;
    state = 'down';
    onStateChange('down', err);
  };
  client.on('ready', () => {
    state = 'ready';
    onStateChange('ready');
  });
  client.on('error', markDown);
  client.on('close', () => markDown());
  return client;
}

/**
 * Send the commands of one event-loop turn in one write: the socket is corked at the turn's
 * first command and uncorked in `setImmediate`, after every I/O callback of the turn has run.
 * ioredis writes each command on its own otherwise: one `write` syscall per hit, a large share of
 * a busy web node's CPU in a profile (docs/performance.md, "What changed in this round"). Unlike ioredis' auto-pipelining,
 * nothing waits for an earlier batch's replies, so a slow Redis delays no one extra; a command
 * waits at most the rest of the turn. Replies, timeouts and errors stay per command.
 */
function coalesceWrites(client: Redis): void {
  let corked: Redis['stream'] | undefined;
  const uncork = () => {
    corked?.uncork();
    corked = undefined;
  };
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    if (corked === undefined && stream === undefined && client.status === 'ready') {
      corked = client.stream;
      corked.cork();
      setImmediate(uncork);
    }
    return send(command, stream);
  };
}

/** Close gracefully (QUIT lets pending replies arrive), bounded, then force. */
export async function closeRedisClient(client: Redis, timeoutMs = 1000): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.quit().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
  client.disconnect();
}

/** Resolves true once the client is ready, false if it is not within `timeoutMs`. */
export function waitUntilReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('ready', onReady);
  });
}
