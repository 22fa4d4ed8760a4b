import { Counter } from 'prom-client';
import {
  MetricsRenderer,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  createMetricsRegistry,
  negotiateMetricsFormat,
} from './registry';
import { httpServerDurationHistogram } from './http-metrics';

describe('negotiateMetricsFormat', () => {
  it.each([
    [undefined, 'prometheus'],
    ['*/*', 'prometheus'],
    ['text/plain;version=0.0.4', 'prometheus'],
    [
      'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4',
      'openmetrics',
    ],
  ])('%s → %s', (accept, format) => {
    expect(negotiateMetricsFormat(accept)).toBe(format);
  });
});

describe('MetricsRenderer', () => {
  function setup() {
    const registry = createMetricsRegistry();
    const hits = new Counter({ name: 'x_hits_total', help: 'h', registers: [registry] });
    hits.inc(3);
    const histogram = httpServerDurationHistogram(registry);
    histogram.observe({
      labels: { method: 'GET', route: '/', status_code: '200' },
      value: 0.002,
      exemplarLabels: { trace_id: 'abc' } as never,
    });
    return new MetricsRenderer(registry);
  }

  it('keeps counter names right whatever order the formats are asked for in', async () => {
    const renderer = setup();
    const [om, prom, om2] = await Promise.all([
      renderer.render('openmetrics'),
      renderer.render('prometheus'),
      renderer.render('openmetrics'),
    ]);
    expect(om.contentType).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(om.body).toContain('# TYPE x_hits counter\nx_hits_total 3\n');
    expect(om.body.endsWith('# EOF\n')).toBe(true);
    expect(om2.body).toContain('# TYPE x_hits counter\nx_hits_total 3\n');
    expect(prom.contentType).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(prom.body).toContain('# TYPE x_hits_total counter\nx_hits_total 3\n');
  });

  it('puts trace_id exemplars in OpenMetrics only', async () => {
    const renderer = setup();
    const om = await renderer.render('openmetrics');
    expect(om.body).toMatch(
      /http_server_request_duration_seconds_bucket\{le="0\.0025",method="GET",route="\/",status_code="200"\} 1 # \{trace_id="abc"\} 0\.002 \d+/,
    );
    const prom = await renderer.render('prometheus');
    expect(prom.body).toContain(
      'http_server_request_duration_seconds_bucket{le="0.0025",method="GET",route="/",status_code="200"} 1\n',
    );
    expect(prom.body).not.toContain('trace_id');
  });

  it('does not expose prom-client gauges that carry a counter suffix', async () => {
    const { body } = await setup().render('prometheus');
    expect(body).not.toMatch(/^nodejs_active_(handles|requests|resources)_total/m);
    expect(body).toMatch(/^# TYPE nodejs_active_resources gauge$/m);
  });
});
