#!/usr/bin/env bash
# Read-path throughput and latency of the API (docs/ARCHITECTURE.md §10): the catalog, the content API and a bare
# endpoint for comparison, at 64 connections, against an API you started with demo data, e.g.
#   DATABASE_URL=... .venv/bin/marketplace seed && DATABASE_URL=... .venv/bin/uvicorn api.main:app --workers 2
#   bench/api_reads.sh http://127.0.0.1:8000 pk_...
# Uses wrk (Debian package `wrk`) when present, else the Python load generator bench/load.py.
set -euo pipefail
base=${1:?base URL}
key=${2:?publishable key}
duration=${DURATION:-10}
cd "$(dirname "$0")/.."
run() {
  local label=$1 url=$2
  echo "== $label"
  if command -v wrk >/dev/null; then
    wrk -t2 -c64 -d"${duration}s" --latency -H "x-publishable-api-key: $key" "$url" \
      | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
  else
    .venv/bin/python bench/load.py "$url" -c 64 -d "$duration" -H "x-publishable-api-key: $key"
  fi
}
run "bare endpoint (/health)" "$base/health"
run "catalog (/store/products, 20 per page, EUR prices)" "$base/store/products?limit=20&currency_code=EUR"
run "content (/api/pages?where[slug][equals]=home&depth=1)" "$base/api/pages?where%5Bslug%5D%5Bequals%5D=home&depth=1"
