#!/usr/bin/env bash
# Spark GPU discovery script (spark.{driver,executor}.resource.gpu.discoveryScript): prints the GPUs of
# this machine as the JSON Spark expects, e.g. {"name": "gpu", "addresses": ["0","1"]}.
set -euo pipefail
ids=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | tr -d ' ' | paste -sd, - || true)
addresses=""
if [[ -n "$ids" ]]; then
    addresses="\"${ids//,/\",\"}\""
fi
printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
