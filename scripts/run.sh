#!/usr/bin/env bash
# Installs what is missing, builds imgmeta (and the web app), and starts the service on the
# embedded default: http://127.0.0.1:8080, data in ./data. Extra arguments go to `imgmeta serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
if [ -f web/package.json ]; then (cd web && npm run --silent build); fi
bin=build/release/src/cli/imgmeta
if "$bin" serve --help >/dev/null 2>&1; then
  web_args=(); [ -d web/dist ] && web_args=(--web web/dist)
  exec "$bin" serve --data-dir ./data "${web_args[@]}" "$@"
fi
# Before the server existed, the run command showed the extractor on a corpus sample.
exec "$bin" extract -r "${IMGMETA_SHARED_DIR:-../shared}/corpus/jpeg"
