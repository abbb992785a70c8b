#!/usr/bin/env bash
# The web app's checks: its API types regenerated from api/openapi.yaml, the TypeScript type
# check and the production build (npm run build). The browser journey (web/e2e/run.mjs) and
# the unit tests are not run here yet: they are unfinished (see the web app's issue).
set -euo pipefail
cd "$(dirname "$0")/../web"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build
git -C .. diff --exit-code -- web/src/api/schema.d.ts  # the committed types match the API document
