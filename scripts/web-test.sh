#!/usr/bin/env bash
# The web app's checks: its API types generated from api/openapi.yaml, the TypeScript type
# check and the production build (npm run build), the Vitest unit tests (npm test), and the
# browser journey in headless Chromium against a real `imgmeta serve` on loopback
# (npm run e2e, using the dev build's binary). scripts/setup.sh (run first by scripts/test.sh)
# installs the npm packages and Chromium.
set -euo pipefail
cd "$(dirname "$0")/../web"
npm run build
npm test
IMGMETA_BIN=${IMGMETA_BIN:-$PWD/../build/dev/src/cli/imgmeta} npm run e2e
IMGMETA_BIN=${IMGMETA_BIN:-$PWD/../build/dev/src/cli/imgmeta} node e2e/aws.mjs  # the AWS shape: deploy/deploy.sh local
