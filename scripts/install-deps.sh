#!/usr/bin/env bash
# Installs the Debian 12 packages groundline builds with (skipped when all
# are present). Run as root or with sudo available.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libsqlite3-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev
  libutf8proc-dev libstemmer-dev libxxhash-dev libpcre2-dev
  libgumbo-dev libpoppler-cpp-dev
  libgtest-dev libbenchmark-dev libjemalloc-dev
  libvalijson-dev json-schema-test-suite
  libcpp-httplib-dev
  chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Node.js runs the end-to-end tests (the openai npm client, the browser
# page through playwright-core). A machine may have it from elsewhere
# (NodeSource) without Debian's packages: then it is left as it is.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
