#!/usr/bin/env bash
# Installs everything imgmeta needs to build, run and test, idempotently: Debian packages
# (only when one is missing), the Python tools the AWS tests use (checked, installed with pip
# only where missing), and the web app's npm packages (npm ci when the lock file changed).
# Fast when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # toolchain
  g++ clang libclang-rt-14-dev cmake ninja-build ccache pkg-config make git zip unzip
  # test and benchmark frameworks
  libgtest-dev libgmock-dev libbenchmark-dev
  # libraries
  zlib1g-dev libpugixml-dev nlohmann-json3-dev libcli11-dev libssl-dev libsqlite3-dev
  libsodium-dev libargon2-dev libjwt-dev
  libspdlog-dev libfmt-dev libboost-dev libvips-dev libjxl-dev
  # peers and tools for cross-checks, benchmarks and test images
  libexiv2-dev exiv2 libheif-dev libheif-examples libimage-exiftool-perl imagemagick libvips-tools
  # bench/ingest's floor (nginx's WebDAV PUT) and bench/lambda's Python peer (Debian's python3)
  nginx python3-pil python3-boto3
  # the deploy tests lint the scripts
  shellcheck
  # the web app's browser tests
  chromium
)
# Node.js and npm: the machine's own when present (a Debian npm would replace a newer nodejs).
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python tools for the AWS and API tests; this machine's Python normally has them already.
PY_MODULES=(boto3:boto3 moto:moto[server] requests:requests jsonschema:jsonschema
            openapi_spec_validator:openapi-spec-validator joserfc:joserfc cfnlint:cfn-lint awscli:awscli
            yaml:pyyaml)
pip_missing=()
for entry in "${PY_MODULES[@]}"; do
  python3 -c "import ${entry%%:*}" 2>/dev/null || pip_missing+=("${entry#*:}")
done
if ((${#pip_missing[@]})); then
  echo "setup: pip installing ${pip_missing[*]}"
  python3 -m pip install -q "${pip_missing[@]}"
fi

# The web app's dependencies, from the committed lock file.
if [ -f web/package-lock.json ]; then
  stamp=web/node_modules/.imgmeta-lock.sha256
  want=$(sha256sum web/package-lock.json | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: npm ci (web)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
  fi
fi
