import { ExportResultCode } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { spanDropMeterProvider, spanDrops } from './span-drops';

/** An exporter whose batches stay in flight until the test settles them. */
class HeldExporter implements SpanExporter {
  readonly pending: { spans: ReadableSpan[]; done: (ok: boolean) => void }[] = [];
  export(spans: ReadableSpan[], callback: (r: { code: ExportResultCode; error?: Error }) => void) {
    this.pending.push({
      spans,
      done: (ok) =>
        callback(
          ok
            ? { code: ExportResultCode.SUCCESS }
            : { code: ExportResultCode.FAILED, error: new Error('refused') },
        ),
    });
  }
  shutdown() {
    return Promise.resolve();
  }
}

/** The SDK's own batch processor reporting to the drop counter, as tracing.ts sets it up. */
describe('spanDropMeterProvider', () => {
  const exporter = new HeldExporter();
  const provider = new TracerProvider({
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        maxQueueSize: 2,
        maxExportBatchSize: 2,
        scheduledDelayMillis: 60_000,
        selfObsMeterProvider: spanDropMeterProvider,
      }),
    ],
  });
  const tracer = provider.getTracer('spec');
  afterAll(() => provider.shutdown());

  it('counts spans a full queue refused and spans of a failed batch, not delivered ones', () => {
    const before = { ...spanDrops };
    // Two fill the queue and leave as one batch; while it is in flight two refill the queue
    // and the last two are refused.
    for (let i = 0; i < 6; i++) tracer.startSpan(`span ${i}`).end();
    expect(exporter.pending.map((p) => p.spans.length)).toEqual([2]);
    expect(spanDrops.queue_full - before.queue_full).toBe(2);

    exporter.pending[0].done(false);
    expect(spanDrops.export_failed - before.export_failed).toBe(2);
  });

  it('counts nothing for a batch delivered', async () => {
    const before = { ...spanDrops };
    const flushed = provider.forceFlush();
    await Promise.resolve();
    for (const p of exporter.pending.slice(1)) p.done(true);
    await flushed;
    expect(spanDrops).toEqual(before);
    expect(exporter.pending.slice(1).map((p) => p.spans.length)).toEqual([2]);
  });
});
