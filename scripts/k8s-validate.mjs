// Validate Kubernetes objects against the API's OpenAPI schema (the `kubernetes-models`
// packages: one class per kind, `validate()` throws on a schema violation).
//   kubectl kustomize ops/k8s/overlays/lab | node scripts/k8s-validate.mjs
// Prints one JSON array: {kind, name, error} per object, error null when valid. An object of a
// kind no package models is an error too ("no schema"), never silently skipped.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const PACKAGES = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

async function modelOf(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = PACKAGES[group] ?? 'kubernetes-models';
  const path = group ? `${pkg}/${group}/${version}` : `${pkg}/${version}`;
  try {
    return (await import(path))[kind];
  } catch {
    return undefined;
  }
}

const docs = parseAllDocuments(readFileSync(0, 'utf8'))
  .map((d) => d.toJS())
  .filter(Boolean);
const results = [];
for (const object of docs) {
  const Model = await modelOf(object.apiVersion, object.kind);
  let error = null;
  if (!Model) error = `no schema for ${object.apiVersion} ${object.kind}`;
  else {
    try {
      new Model(object).validate();
    } catch (err) {
      error = err.message;
    }
  }
  results.push({ kind: object.kind, name: object.metadata?.name, error });
}
process.stdout.write(JSON.stringify(results));
