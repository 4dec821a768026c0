#!/usr/bin/env bash
# Set everything up (idempotent), install the example skills, and open skill-tui on them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --install
exec .venv/bin/skill-tui "$@"
