#!/usr/bin/env bash
# On a GPU host with PyTorch (no Java needed): ITGIS and MHIS per-target cost with many targets at once through one
# server (issue 7, point 4), on random models of the paper's shape. Builds the native engine against the host's torch
# (build-native.sh), unpacks build/gpu-server.tar.xz (tools/gpu/pack-server.sh, run where Maven is), writes the
# 1- and 4-layer models with make_paper_model.py, then runs `lpe bench server` for each method, layer count and
# precision on tools/gpu/paper-dist.json (token 0, then 32 positions uniform over ids 1000..1999).
#
#   tools/gpu/bench-estimators.sh [TARGETS [BUDGET]]     (defaults 256 and 65536, the issue's setting)
#
# Output in $OUT (default /tmp/lpe-gpu-estimators): estimators.jsonl (one JSON object per run, written as each run
# ends, so a run cut short keeps the earlier ones), a log per run, build.log. Environment (space-separated lists):
# METHODS (default "itgis mhis"), LAYERS ("1 4"), PRECISIONS ("tf32"; e.g. "tf32 fp32"), BATCH_ROWS and MAX_DELAY_MS
# (ITGIS 16384 rows and 2 ms; MHIS 8192 and 20 ms: its 256 x 32 chain rows of a step make one batch, so let it wait
# for every target's chains; measured 0.259 s per target against 0.276 with ITGIS's setting),
# SINGLE (targets rerun alone, 4), ARGMAX_SAMPLES (4096), RUN_SECONDS (each run's time limit, 600), PYTHON.
# Runs go cheapest first (1 layer before 4, ITGIS before MHIS). The device-time budget of one call is about
# 9 minutes: at 256 targets x 2^16, ITGIS on 1 layer alone is ~17M forward+backward rows; lower TARGETS or BUDGET
# (or LAYERS, METHODS) to fit.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
targets="${1:-256}"
budget="${2:-65536}"
out="${OUT:-/tmp/lpe-gpu-estimators}"
mkdir -p "$out"
python="${PYTHON:-python3}"
lib="$root/build/native-cuda/liblpe_native.so"
declare -A peak=([fp32]=66.9 [tf32]=494.7 [bf16]=989.4)  # H200 SXM dense datasheet TFLOP/s (as bench_torch.py)

[ -f "$lib" ] || PYTHON="$python" tools/gpu/build-native.sh "$out/build.log" || exit 1
tar -C build -xJf build/gpu-server.tar.xz || { echo "bench-estimators: no build/gpu-server.tar.xz (run tools/gpu/pack-server.sh)" >&2; exit 1; }
models=/tmp/lpe-paper-models
for layers in ${LAYERS:-1 4}; do
  [ -f "$models/paper-${layers}l/model.safetensors" ] ||
    "$python" tools/gpu/make_paper_model.py "$models/paper-${layers}l" --layers "$layers" >&2 || exit 1
done
nvidia-smi --query-gpu=name,memory.total,clocks.max.sm --format=csv,noheader >&2
for layers in ${LAYERS:-1 4}; do
  for method in ${METHODS:-itgis mhis}; do
    for precision in ${PRECISIONS:-tf32}; do
      name="$method-${layers}l-$precision"
      if [ "$method" = mhis ]; then rows="${BATCH_ROWS:-8192}" delay="${MAX_DELAY_MS:-20}"; else rows="${BATCH_ROWS:-16384}" delay="${MAX_DELAY_MS:-2}"; fi
      echo "== $(date -u +%T) $name: $targets targets, budget $budget, batches of $rows rows, delay $delay ms" >&2
      timeout "${RUN_SECONDS:-600}" build/gpu-server/java/bin/java --enable-native-access=ALL-UNNAMED -Xmx48g \
        -DRUST_FLAVOR=cpu -Dai.djl.util.cuda.fork=true -Dlpe.native.library="$lib" -cp "build/gpu-server/lib/*" \
        lpe.bench.Bench server --model-root "$models" --model "paper-${layers}l" --dist tools/gpu/paper-dist.json \
        --engine native --device cuda --precision "$precision" --method "$method" --targets "$targets" \
        --budget "$budget" --batch-rows "$rows" --max-delay-ms "$delay" --single "${SINGLE:-4}" \
        --argmax-samples "${ARGMAX_SAMPLES:-4096}" --peak-tflops "${peak[$precision]}" --json \
        2> "$out/$name.log" | tee -a "$out/estimators.jsonl"
      echo "   exit status ${PIPESTATUS[0]}; log $out/$name.log" >&2
    done
  done
done
