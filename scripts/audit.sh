#!/usr/bin/env bash
# `npm audit` of the production dependencies: fails on any high or critical finding.
# Where the registry offers no audit endpoint (this project's build machines reach a registry
# mirror that answers 405), it says so loudly and does not pretend the audit passed.
set -uo pipefail
output="$(npm audit --omit=dev --audit-level=high 2>&1)"
code=$?
echo "$output" | tail -20
if [ $code -eq 0 ]; then
  echo "audit: no high or critical finding in production dependencies"
  exit 0
fi
if echo "$output" | grep -q "audit endpoint returned an error\|ENOAUDIT\|405 Method Not Allowed"; then
  echo "audit: SKIPPED — the registry's audit endpoint is not available here; run \`npm run audit\` where it is"
  exit 0
fi
echo "audit: high or critical findings (see above)"
exit 1
