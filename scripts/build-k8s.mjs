// `npm run k8s:generate`: regenerate the Kubernetes files made from other sources
// (the operator overlay's PrometheusRule, from ops/prometheus/alerts.yml).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROMETHEUS_RULE_FILE, prometheusRuleYaml } from '../ops/k8s/prometheus-rule.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(join(root, PROMETHEUS_RULE_FILE), prometheusRuleYaml(root));
console.log(`wrote ${PROMETHEUS_RULE_FILE}`);
