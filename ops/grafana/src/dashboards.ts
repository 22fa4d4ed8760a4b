// The Grafana dashboards, defined once in code: `npm run dashboards` writes them to
// ops/grafana/dashboards/*.json (provisioned by compose), and a test fails when the committed
// JSON differs from what this produces, so the two never drift.

export const PROMETHEUS = { type: 'prometheus', uid: 'prometheus' } as const;

export interface Query {
  expr: string;
  legend: string;
  /** Show exemplars (trace ids) on this series. */
  exemplar?: boolean;
}

export interface PanelSpec {
  title: string;
  type: 'timeseries' | 'stat' | 'bargauge' | 'state-timeline';
  unit: string;
  queries: Query[];
  description?: string;
  /** Width in grid units (24 = full row). */
  w?: number;
  h?: number;
  max?: number;
}

export interface DashboardSpec {
  uid: string;
  file: string;
  title: string;
  description: string;
  /** Template variables: name → label_values() query. */
  variables: Record<string, string>;
  panels: PanelSpec[];
  /**
   * Whose remote writes to Prometheus feed this dashboard, when it is not the apps' scrapes:
   * k6 panels have data only while a k6 run writes; Tempo's only while its metrics generator
   * turns traces into metrics (compose's stack, not the scrape-only tests).
   */
  writtenBy?: 'k6' | 'tempo';
}

const RATE = '$__rate_interval';
const UP = 'upstream=~"$upstream", upstream!="none"';

const quantiles = (metric: string, by: string, filter: string): Query[] =>
  (['0.5', '0.95', '0.99'] as const).map((q) => ({
    expr: `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket{${filter}}[${RATE}])))`,
    legend: `p${Number(q) * 100} {{${by}}}`,
    exemplar: true,
  }));

export const DASHBOARDS: DashboardSpec[] = [
  {
    uid: 'oc-traffic',
    file: 'traffic-distribution.json',
    title: 'Traffic distribution',
    description: 'How the gateway splits requests over the web nodes, against the weights (1:2:3).',
    variables: {
      upstream: 'label_values(gateway_upstream_up, upstream)',
      node: 'label_values(web_hits_total, node)',
    },
    panels: [
      {
        title: 'Requests/s per upstream (gateway)',
        type: 'timeseries',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (upstream) (rate(gateway_requests_total{${UP}}[${RATE}]))`,
            legend: '{{upstream}}',
          },
        ],
      },
      {
        title: 'Hits/s per node (web_hits_total)',
        type: 'timeseries',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (node) (rate(web_hits_total{node=~"$node"}[${RATE}]))`,
            legend: '{{node}}',
          },
        ],
      },
      {
        title: 'Actual share vs weight share',
        description:
          'Share of requests each upstream answered, next to the share its weight promises among upstreams in rotation.',
        type: 'bargauge',
        unit: 'percentunit',
        max: 1,
        queries: [
          {
            expr: `sum by (upstream) (rate(gateway_requests_total{${UP}}[${RATE}])) / ignoring(upstream) group_left sum(rate(gateway_requests_total{upstream!="none"}[${RATE}]))`,
            legend: 'actual {{upstream}}',
          },
          {
            expr: `sum by (upstream) (gateway_upstream_weight{upstream=~"$upstream"} * gateway_upstream_up) / ignoring(upstream) group_left sum(gateway_upstream_weight * gateway_upstream_up)`,
            legend: 'weight {{upstream}}',
          },
        ],
      },
      {
        title: 'Responses/s by status',
        type: 'timeseries',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (status_code) (rate(gateway_requests_total[${RATE}]))`,
            legend: '{{status_code}}',
          },
        ],
      },
      {
        title: 'Hits counted in the range',
        type: 'stat',
        unit: 'short',
        queries: [
          { expr: `sum(increase(web_hits_total{node=~"$node"}[$__range]))`, legend: 'hits' },
        ],
      },
    ],
  },
  {
    uid: 'oc-latency',
    file: 'latency.json',
    title: 'Latency',
    description:
      'p50/p95/p99 per upstream (gateway) and per web route; exemplars link to traces in Tempo.',
    variables: { upstream: 'label_values(gateway_upstream_up, upstream)' },
    panels: [
      {
        title: 'Gateway latency per upstream',
        type: 'timeseries',
        unit: 's',
        w: 24,
        queries: quantiles('gateway_request_duration_seconds', 'upstream', UP),
      },
      {
        title: 'Web latency per route',
        type: 'timeseries',
        unit: 's',
        w: 24,
        queries: quantiles('http_server_request_duration_seconds', 'route', 'job="web"'),
      },
    ],
  },
  {
    uid: 'oc-upstreams',
    file: 'upstream-health.json',
    title: 'Upstream health',
    description: 'Which upstreams are in rotation, ejections, retries, in-flight requests.',
    variables: { upstream: 'label_values(gateway_upstream_up, upstream)' },
    panels: [
      {
        title: 'In rotation (1 = up)',
        type: 'state-timeline',
        unit: 'none',
        queries: [{ expr: `gateway_upstream_up{${UP}}`, legend: '{{upstream}}' }],
      },
      {
        title: 'Ejections by health check',
        type: 'timeseries',
        unit: 'short',
        queries: [
          {
            expr: `sum by (upstream, reason) (increase(gateway_upstream_ejections_total{${UP}}[${RATE}]))`,
            legend: '{{upstream}} {{reason}}',
          },
        ],
      },
      {
        title: 'Retries/s caused by each upstream',
        type: 'timeseries',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (upstream) (rate(gateway_retries_total{${UP}}[${RATE}]))`,
            legend: '{{upstream}}',
          },
        ],
      },
      {
        title: 'In-flight requests',
        type: 'timeseries',
        unit: 'short',
        queries: [{ expr: `gateway_upstream_inflight{${UP}}`, legend: '{{upstream}}' }],
      },
      {
        title: 'Scrape targets up',
        type: 'state-timeline',
        unit: 'none',
        queries: [{ expr: 'up{job=~"web|gateway"}', legend: '{{instance}}' }],
      },
    ],
  },
  {
    uid: 'oc-redis',
    file: 'redis-hit-events.json',
    title: 'Redis & hit events',
    description: 'The hit pipeline: Redis reachability and latency, events published and failed.',
    variables: { node: 'label_values(web_hits_total, node)' },
    panels: [
      {
        title: 'Redis reachable from each node',
        type: 'state-timeline',
        unit: 'none',
        queries: [{ expr: 'web_redis_up', legend: '{{instance}}' }],
      },
      {
        title: 'Redis round trip p99 by command',
        type: 'timeseries',
        unit: 's',
        queries: [
          {
            expr: `histogram_quantile(0.99, sum by (le, command) (rate(web_redis_command_duration_seconds_bucket[${RATE}])))`,
            legend: '{{command}}',
          },
        ],
      },
      {
        title: 'Hit events published/s',
        type: 'timeseries',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (instance) (rate(web_hit_events_published_total[${RATE}]))`,
            legend: '{{instance}}',
          },
        ],
      },
      {
        title: 'Hits not counted/s (Redis failures)',
        type: 'timeseries',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (instance, reason) (rate(web_hit_events_failed_total[${RATE}]))`,
            legend: '{{instance}} {{reason}}',
          },
        ],
      },
      {
        title: 'Event loop lag p99',
        type: 'timeseries',
        unit: 's',
        queries: [
          { expr: 'nodejs_eventloop_lag_p99_seconds{job=~"web|gateway"}', legend: '{{instance}}' },
        ],
      },
      {
        title: 'Resident memory',
        type: 'timeseries',
        unit: 'bytes',
        queries: [
          { expr: 'process_resident_memory_bytes{job=~"web|gateway"}', legend: '{{instance}}' },
        ],
      },
    ],
  },
  {
    uid: 'oc-traces',
    file: 'traces.json',
    title: 'Traces (service graph and span metrics)',
    description:
      "Metrics Tempo's metrics generator derives from the traces (service graphs, span metrics): the client → gateway → web → Redis map in numbers. Grafana's service map (Explore → Tempo) draws the same series.",
    writtenBy: 'tempo',
    variables: {},
    panels: [
      {
        title: 'Requests/s between services (service graph)',
        type: 'timeseries',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (client, server) (rate(traces_service_graph_request_total[${RATE}]))`,
            legend: '{{client}} → {{server}}',
          },
        ],
      },
      {
        title: 'Failed requests/s between services',
        type: 'timeseries',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (client, server) (rate(traces_service_graph_request_failed_total[${RATE}]))`,
            legend: '{{client}} → {{server}}',
          },
        ],
      },
      {
        title: 'Span latency p99 by service and span (span metrics)',
        type: 'timeseries',
        unit: 's',
        queries: [
          {
            expr: `histogram_quantile(0.99, sum by (le, service, span_name) (rate(traces_spanmetrics_latency_bucket[${RATE}])))`,
            legend: '{{service}} {{span_name}}',
          },
        ],
      },
      {
        title: 'Spans/s by service and kind',
        type: 'timeseries',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (service, span_kind) (rate(traces_spanmetrics_calls_total[${RATE}]))`,
            legend: '{{service}} {{span_kind}}',
          },
        ],
      },
    ],
  },
  {
    uid: 'oc-k6',
    file: 'k6.json',
    title: 'k6 load tests',
    description: 'What k6 saw (experimental-prometheus-rw output), per test run (testid tag).',
    writtenBy: 'k6',
    variables: { testid: 'label_values(k6_http_reqs_total, testid)' },
    panels: [
      {
        title: 'Requests/s',
        type: 'timeseries',
        unit: 'reqps',
        queries: [
          { expr: `sum(rate(k6_http_reqs_total{testid=~"$testid"}[${RATE}]))`, legend: 'requests' },
        ],
      },
      {
        title: 'Request duration',
        type: 'timeseries',
        unit: 's',
        queries: ['p50', 'p95', 'p99'].map((p) => ({
          expr: `max(k6_http_req_duration_${p}{testid=~"$testid"})`,
          legend: p,
        })),
      },
      {
        title: 'Failed requests',
        type: 'timeseries',
        unit: 'percentunit',
        queries: [{ expr: `avg(k6_http_req_failed_rate{testid=~"$testid"})`, legend: 'failed' }],
      },
      {
        title: 'Virtual users',
        type: 'timeseries',
        unit: 'short',
        queries: [{ expr: `sum(k6_vus{testid=~"$testid"})`, legend: 'VUs' }],
      },
      {
        title: 'Responses per node (x-served-by)',
        type: 'bargauge',
        unit: 'short',
        queries: [
          { expr: `sum by (node) (k6_node_hits_total{testid=~"$testid"})`, legend: '{{node}}' },
        ],
      },
    ],
  },
];

/** Grafana's JSON model for one dashboard (schema of Grafana 11). */
export function renderDashboard(spec: DashboardSpec): Record<string, unknown> {
  let x = 0;
  let y = 0;
  const panels = spec.panels.map((panel, i) => {
    const w = panel.w ?? 12;
    const h = panel.h ?? 8;
    if (x + w > 24) {
      x = 0;
      y += h;
    }
    const gridPos = { h, w, x, y };
    x += w;
    return {
      id: i + 1,
      type: panel.type,
      title: panel.title,
      ...(panel.description ? { description: panel.description } : {}),
      datasource: PROMETHEUS,
      gridPos,
      fieldConfig: {
        defaults: {
          unit: panel.unit,
          ...(panel.max !== undefined ? { min: 0, max: panel.max } : {}),
        },
        overrides: [],
      },
      options:
        panel.type === 'timeseries'
          ? {
              legend: { displayMode: 'table', placement: 'bottom', showLegend: true },
              tooltip: { mode: 'multi', sort: 'desc' },
            }
          : panel.type === 'bargauge'
            ? { orientation: 'horizontal', displayMode: 'gradient', showUnfilled: true }
            : {},
      targets: panel.queries.map((q, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: PROMETHEUS,
        expr: q.expr,
        legendFormat: q.legend,
        exemplar: q.exemplar ?? false,
        ...(panel.type === 'stat' || panel.type === 'bargauge'
          ? { instant: true, range: false }
          : { range: true }),
      })),
    };
  });
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['observable-cluster'],
    editable: false,
    schemaVersion: 39,
    version: 1,
    refresh: '5s',
    time: { from: 'now-15m', to: 'now' },
    timepicker: {},
    templating: {
      list: Object.entries(spec.variables).map(([name, query]) => ({
        name,
        type: 'query',
        datasource: PROMETHEUS,
        definition: query,
        query: { query, refId: name },
        includeAll: true,
        multi: true,
        allValue: '.*',
        current: { text: 'All', value: '$__all' },
        refresh: 2,
        sort: 1,
      })),
    },
    annotations: { list: [] },
    panels,
  };
}

/** File name → JSON text, exactly as committed under ops/grafana/dashboards/. */
export function dashboardFiles(): Record<string, string> {
  return Object.fromEntries(
    DASHBOARDS.map((spec) => [spec.file, `${JSON.stringify(renderDashboard(spec), null, 2)}\n`]),
  );
}
