#!/usr/bin/env bash
# Installs the C libraries metatrain links (Debian/Ubuntu): OpenBLAS, zlib and pkg-config.
set -euo pipefail
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: no apt-get here; install OpenBLAS, zlib and pkg-config with your package manager" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends libopenblas-dev zlib1g-dev pkg-config >/dev/null
