import type { ServerResponse } from 'node:http';

interface Client {
  res: ServerResponse;
  /** The socket's buffer is full: skip messages until it drains. */
  blocked: boolean;
}

export interface SseHubEvents {
  /** A message was not sent to a client whose buffer was full. */
  dropped(): void;
}

/**
 * Server-Sent Events fan-out with bounded memory per client: a message is written only while
 * the client's socket accepts it; a slow client has messages skipped (and counted) until its
 * buffer drains, so it never holds more than one message in our memory. Every message is a
 * whole snapshot, so a skipped one loses nothing the next one does not carry.
 */
export class SseHub {
  private readonly clients = new Set<Client>();

  constructor(
    private readonly maxClients: number,
    private readonly events: SseHubEvents,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** Start an event stream on `res`; false when the hub is full. */
  add(res: ServerResponse, first: string): boolean {
    if (this.clients.size >= this.maxClients) return false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tell buffering proxies (nginx) in front of us to pass events through at once.
      'x-accel-buffering': 'no',
    });
    const client: Client = { res, blocked: false };
    this.clients.add(client);
    res.once('close', () => this.clients.delete(client));
    // Reconnect 2 s after a drop (EventSource does it by itself), then the current state.
    this.send(client, `retry: 2000\n\n${first}`);
    return true;
  }

  broadcast(message: string): void {
    for (const client of this.clients) this.send(client, message);
  }

  /** A comment line: keeps idle connections (and proxies in between) from timing out. */
  heartbeat(): void {
    this.broadcast(': ping\n\n');
  }

  closeAll(): void {
    for (const client of this.clients) client.res.end();
    this.clients.clear();
  }

  private send(client: Client, message: string): void {
    if (client.blocked) {
      this.events.dropped();
      return;
    }
    if (!client.res.write(message)) {
      client.blocked = true;
      client.res.once('drain', () => (client.blocked = false));
    }
  }
}

/** One SSE message: `event: <name>` and the JSON data on one `data:` line. */
export function sseMessage(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
