#!/usr/bin/env bash
# On a GPU host with PyTorch: builds the native engine against the host's torch (tools/gpu/build-native.sh), unpacks
# build/gpu-server.tar.xz (tools/gpu/pack-server.sh) and runs `lpe bench server` on CUDA over the repository's models/
# (the pack holds none). Extra arguments go to the bench (e.g. --model gelu-1l --targets 64 --budget 256). Output: the
# bench's JSON line on stdout, logs in ${OUT:-/tmp/lpe-gpu-server}. tools/gpu/bench-estimators.sh runs the issue's
# ITGIS/MHIS setting on the paper's random models.
# RUST_FLAVOR=cpu: DJL would otherwise look for a CUDA build of the tokenizers library on a GPU host (none is bundled);
# ai.djl.util.cuda.fork: DJL probes CUDA in a child process, not by loading a second CUDA runtime into this one.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:-/tmp/lpe-gpu-server}"
mkdir -p "$out"
python="${PYTHON:-python3}"
lib="$root/build/native-cuda/liblpe_native.so"
tar -C build -xJf build/gpu-server.tar.xz
[ -f "$lib" ] || PYTHON="$python" tools/gpu/build-native.sh "$out/build.log" || exit 1
nvidia-smi --query-gpu=name --format=csv,noheader >&2
build/gpu-server/java/bin/java --enable-native-access=ALL-UNNAMED -Xmx16g -DRUST_FLAVOR=cpu -Dai.djl.util.cuda.fork=true -Dlpe.native.library="$lib" \
  -cp "build/gpu-server/lib/*" lpe.bench.Bench server --model-root models \
  --engine native --device cuda --json "$@" 2> "$out/bench.log"
