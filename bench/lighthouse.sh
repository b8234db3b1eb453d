#!/usr/bin/env bash
# Lighthouse 12 on the demo's landing pages: installs Lighthouse (npm) into
# bench/.lighthouse once, then bench/lighthouse.py seeds, serves and measures.
# Uses Debian's Chromium (CHROME_PATH, default /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
LIGHTHOUSE=bench/.lighthouse/node_modules/.bin/lighthouse
if [ ! -x "$LIGHTHOUSE" ]; then
    npm install --prefix bench/.lighthouse --no-audit --no-fund --silent lighthouse@12
fi
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
exec "${PYTHON:-.venv/bin/python}" -m bench.lighthouse --lighthouse "$LIGHTHOUSE" "$@"
