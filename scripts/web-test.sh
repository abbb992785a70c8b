#!/usr/bin/env bash
# The web app's checks: its API types generated from api/openapi.yaml, the TypeScript type
# check and the production build (npm run build). scripts/setup.sh (run first by
# scripts/test.sh) installs the npm packages. The browser journey (web/e2e/run.mjs) and the
# unit tests are not run here yet: they are unfinished (see the web app's issue).
set -euo pipefail
cd "$(dirname "$0")/../web"
npm run build
