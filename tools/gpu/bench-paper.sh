#!/usr/bin/env bash
# On a GPU host with PyTorch: `lpe bench paper` on CUDA, resumable over many short GPU sessions. Builds the native
# engine against the host's torch (tools/gpu/build-native.sh), unpacks build/gpu-server.tar.xz (tools/gpu/pack-server.sh
# packs the bench module), and continues docs/benchmarks/paper/results.jsonl (copied to $OUT first; nothing finished
# there is recomputed). Every finished (pair, method, target) is appended to $OUT/results.jsonl at once, so a run cut
# by RUN_SECONDS or by the session's end keeps its work: copy $OUT/results.jsonl (and results.scores.json) back over
# docs/benchmarks/paper/ and commit them, then run again until the summary says "0 jobs to run".
#
#   tools/gpu/pack-server.sh                       (here, with Maven; carry build/gpu-server.tar.xz)
#   tools/gpu/bench-paper.sh [extra lpe bench paper options]   (on the GPU host; OUT defaults to /tmp/lpe-paper)
#
# Environment: GROUND_TRUTH (count files, default every docs/benchmarks/ground-truth/*.json plus
# tools/gpu/results/gt-hex-gelu-1l.json), PRECISION (default tf32: the precision of the H200 estimator measurements in
# docs/benchmarks-paper.md; ground truth stays fp32), TARGETS (per pair, default 64), BUDGET (default 65536),
# METHODS (default naive,itgis,mhis,qld,gld), TARGETS_PER_JOB (default 64), JOBS (jobs at a time, default 4),
# BATCH_ROWS (default 16384), MAX_DELAY_MS (default 20), RUN_SECONDS (default 540), PYTHON (default python3).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:-/tmp/lpe-paper}"
mkdir -p "$out"
python="${PYTHON:-python3}"
lib="$root/build/native-cuda/liblpe_native.so"
[ -d build/gpu-server ] || tar -C build -xJf build/gpu-server.tar.xz ||
  { echo "bench-paper: no build/gpu-server.tar.xz (run tools/gpu/pack-server.sh)" >&2; exit 1; }
[ -f "$lib" ] || PYTHON="$python" tools/gpu/build-native.sh "$out/build.log" || exit 1
[ -f "$out/results.jsonl" ] || [ ! -f docs/benchmarks/paper/results.jsonl ] ||
  cp docs/benchmarks/paper/results.jsonl "$out/results.jsonl"
# shellcheck disable=SC2206
truth=(${GROUND_TRUTH:-$(ls docs/benchmarks/ground-truth/*.json 2>/dev/null) tools/gpu/results/gt-hex-gelu-1l.json})
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader >&2
timeout "${RUN_SECONDS:-540}" build/gpu-server/java/bin/java --enable-native-access=ALL-UNNAMED -Xmx48g \
  -DRUST_FLAVOR=cpu -Dai.djl.util.cuda.fork=true -Dlpe.native.library="$lib" -Dlpe.home="$root" \
  -cp "build/gpu-server/lib/*" lpe.bench.Bench paper --ground-truth "${truth[@]}" \
  --engine native --device cuda --precision "${PRECISION:-tf32}" --targets "${TARGETS:-64}" --budget "${BUDGET:-65536}" \
  --methods "${METHODS:-naive,itgis,mhis,qld,gld}" --targets-per-job "${TARGETS_PER_JOB:-64}" --jobs "${JOBS:-4}" --batch-rows "${BATCH_ROWS:-16384}" --max-delay-ms "${MAX_DELAY_MS:-20}" \
  --out "$out/results.jsonl" "$@" 2> >(grep -v " INFO " > "$out/bench-paper.log") | tee "$out/summary.txt"
status=${PIPESTATUS[0]}
echo "bench-paper: exit status $status (124: stopped by RUN_SECONDS; rerun to continue); log $out/bench-paper.log" >&2
grep -c '"kind":"estimate"' "$out/results.jsonl" >&2
