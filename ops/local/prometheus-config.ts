// Erasable TypeScript only: `scripts/start-cluster.mjs` imports this file directly (Node 22.18+
// strips the types), and the ops tests import it through ts-jest.
import { parse, stringify } from 'yaml';

/** Where each compose scrape target runs when the cluster runs as local processes. */
export type TargetMap = Record<string, string>;

interface ScrapeConfig {
  job_name: string;
  scrape_interval?: string;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
}

interface PrometheusConfig {
  global?: Record<string, unknown>;
  rule_files?: string[];
  scrape_configs: ScrapeConfig[];
}

/**
 * The compose stack's Prometheus configuration, rewritten for local processes: every target
 * named in `targets` moves to its local address; jobs whose targets are not running locally
 * (collector, Tempo) are dropped; rule files point at the repository's copy.
 */
export function localPrometheusConfig(
  composeConfigYaml: string,
  targets: TargetMap,
  options: { scrapeInterval?: string; ruleFiles?: string[] } = {},
): string {
  const config = parse(composeConfigYaml) as PrometheusConfig;
  const jobs: ScrapeConfig[] = [];
  for (const job of config.scrape_configs) {
    // One static config per target, keeping the compose name as `instance`, so dashboards and
    // alerts read the same locally (web1:3000) as under compose.
    const statics = (job.static_configs ?? []).flatMap((sc) =>
      sc.targets
        .filter((t) => t in targets)
        .map((t) => ({ targets: [targets[t]], labels: { ...sc.labels, instance: t } })),
    );
    if (statics.length > 0) jobs.push({ ...job, static_configs: statics });
  }
  const global = { ...config.global };
  if (options.scrapeInterval) {
    global.scrape_interval = options.scrapeInterval;
    global.evaluation_interval = options.scrapeInterval;
  }
  return stringify({
    ...config,
    global,
    rule_files: options.ruleFiles ?? [],
    scrape_configs: jobs,
  });
}
