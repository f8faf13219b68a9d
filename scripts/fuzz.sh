#!/usr/bin/env bash
# Fuzz the built metatrain binary for a bounded time: bash scripts/fuzz.sh --seconds 120 [--seed N] [--out DIR].
# Exits 1 when any input makes metatrain trap. Details: scripts/fuzz/README.md.
set -euo pipefail
exec python3 "$(dirname "$0")/fuzz/fuzz.py" "$@"
