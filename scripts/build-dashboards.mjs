// `npm run dashboards`: regenerate ops/grafana/dashboards/*.json from ops/grafana/src/dashboards.ts
// (imported as TypeScript directly: Node 22.18+ strips the types).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboardFiles } from '../ops/grafana/src/dashboards.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../ops/grafana/dashboards');
for (const [file, json] of Object.entries(dashboardFiles())) {
  writeFileSync(join(dir, file), json);
  console.log(`wrote ops/grafana/dashboards/${file}`);
}
