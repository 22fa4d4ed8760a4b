import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { SseHub, sseMessage } from './sse-hub';

/** A response whose socket buffer is "full" whenever `full` is true. */
class FakeResponse extends EventEmitter {
  written: string[] = [];
  headers?: Record<string, string>;
  full = false;
  ended = false;
  writeHead(_status: number, headers: Record<string, string>) {
    this.headers = headers;
    return this;
  }
  write(chunk: string): boolean {
    this.written.push(chunk);
    return !this.full;
  }
  end() {
    this.ended = true;
  }
}

function setup(max = 10) {
  let dropped = 0;
  const hub = new SseHub(max, { dropped: () => dropped++ });
  return { hub, dropped: () => dropped };
}

describe('SseHub', () => {
  it('starts an event stream with retry and the current state', () => {
    const { hub } = setup();
    const res = new FakeResponse();
    expect(hub.add(res as unknown as ServerResponse, sseMessage('snapshot', { n: 1 }))).toBe(true);
    expect(res.headers).toEqual({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    expect(res.written).toEqual(['retry: 2000\n\nevent: snapshot\ndata: {"n":1}\n\n']);
  });

  it('skips (and counts) messages for a client whose buffer is full, until it drains', () => {
    const { hub, dropped } = setup();
    const slow = new FakeResponse();
    const fast = new FakeResponse();
    hub.add(slow as unknown as ServerResponse, 'first\n\n');
    hub.add(fast as unknown as ServerResponse, 'first\n\n');
    slow.full = true;
    hub.broadcast('m1\n\n'); // accepted into the full buffer: slow is now blocked
    for (let i = 2; i <= 1000; i++) hub.broadcast(`m${i}\n\n`);
    expect(slow.written).toHaveLength(2); // first + m1: nothing piles up in our memory
    expect(dropped()).toBe(999);
    expect(fast.written).toHaveLength(1001);
    slow.full = false;
    slow.emit('drain');
    hub.broadcast('after\n\n');
    expect(slow.written.at(-1)).toBe('after\n\n');
  });

  it('refuses clients beyond the limit and forgets closed ones', () => {
    const { hub } = setup(1);
    const a = new FakeResponse();
    expect(hub.add(a as unknown as ServerResponse, 'x')).toBe(true);
    expect(hub.add(new FakeResponse() as unknown as ServerResponse, 'x')).toBe(false);
    a.emit('close');
    expect(hub.size).toBe(0);
    expect(hub.add(new FakeResponse() as unknown as ServerResponse, 'x')).toBe(true);
  });

  it('sends heartbeats as SSE comments and ends every stream on close', () => {
    const { hub } = setup();
    const res = new FakeResponse();
    hub.add(res as unknown as ServerResponse, '');
    hub.heartbeat();
    expect(res.written.at(-1)).toBe(': ping\n\n');
    hub.closeAll();
    expect(res.ended).toBe(true);
    expect(hub.size).toBe(0);
  });
});
