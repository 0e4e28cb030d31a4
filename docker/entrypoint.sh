#!/usr/bin/env bash
# Entry point of the RouteLab image: picks DJL's PyTorch natives for the hardware this container
# sees, then runs the command (JupyterLab by default).
#
# The image holds two libtorch 2.7.1 builds, both fetched when it was built: CUDA 12.8 (cu128) and
# CPU. A GPU is visible only when the container was started with --gpus (the NVIDIA container
# toolkit then also provides nvidia-smi and the driver's libcuda); the CUDA build needs that driver
# library even to run on CPU, so without a GPU the CPU build is used. Set PYTORCH_FLAVOR yourself to
# override the choice (docker run -e PYTORCH_FLAVOR=cpu ...).
set -euo pipefail

if [[ -z "${PYTORCH_FLAVOR:-}" ]]; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
        export PYTORCH_FLAVOR=cu128
    else
        export PYTORCH_FLAVOR=cpu
    fi
fi

if [[ $# -eq 0 ]]; then
    set -- bash
fi
exec "$@"
