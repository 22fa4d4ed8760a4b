// Reading the compose stack's files for the ops tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(__dirname, '../..');

export function readYaml<T>(path: string): T {
  return parse(readFileSync(join(ROOT, path), 'utf8')) as T;
}

export interface ComposeService {
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  image?: string;
  environment?: Record<string, string | null>;
  volumes?: string[];
  ports?: string[];
  networks?: string[];
  profiles?: string[];
  command?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  cap_add?: string[];
  security_opt?: string[];
  healthcheck?: { test: string[] };
  depends_on?: string[] | Record<string, { condition: string }>;
}

export interface Compose {
  services: Record<string, ComposeService>;
  networks: Record<string, unknown>;
  volumes: Record<string, unknown>;
}

/** docker-compose.yml with anchors and merge keys resolved (the `yaml` package does both). */
export function compose(): Compose {
  return parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
}

export interface PrometheusConfig {
  rule_files: string[];
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
}

/** Every string env value of a compose service ({} when it sets none). */
export function envOf(service: ComposeService): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.environment ?? {})) env[k] = v ?? '';
  return env;
}
