#!/usr/bin/env bash
# One command on a GPU host with PyTorch (its libtorch) and a Java 25 runtime: builds the native engine against that
# libtorch, runs the GPU checks (native CUDA vs native CPU, bad input on the GPU) and the CPU native tests, then the
# ground-truth benchmark of the paper's 1- and 4-layer models, PyTorch and the native engine side by side, and the
# estimator pass's benchmark (NativePassBench).
#
#   tools/gpu/pack.sh            (on a machine with Maven: packs Java, jars and stories260K into build/gpu.tar.xz)
#   tools/gpu/run.sh [OUTDIR]    (on the GPU host; logs and bench.jsonl go to OUTDIR, default $OUT or /tmp/lpe-gpu)
#
# If build/gpu-server.tar.xz is there too (tools/gpu/pack-server.sh), it then runs ITGIS and MHIS through the server
# (tools/gpu/bench-estimators.sh with LPE_TARGETS, default 256, and LPE_BUDGET, default 65536; its own environment
# applies: METHODS, LAYERS, ...; about 15 minutes on an H200 for both methods on 1 and 4 layers).
#
# Environment: LPE_JAVA (java binary; default build/gpu/java/bin/java), PYTHON (default python3),
# LPE_LAYERS (the benchmarks' models, default "1 4"), LPE_SAMPLES_1L / LPE_SAMPLES_4L / LPE_BATCH (benchmark sizes), LPE_EXTRA_BATCHES (native tf32/bf16 at more batch
# sizes), LPE_BENCH_COMPILE=1 (PyTorch bf16 through torch.compile too), LPE_CHECKS_ONLY=1 (the GPU checks and native
# tests only, no benchmarks).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${1:-${OUT:-/tmp/lpe-gpu}}"
mkdir -p "$out"
python="${PYTHON:-python3}"
java="${LPE_JAVA:-build/gpu/java/bin/java}"
lib="$root/build/native-cuda/liblpe_native.so"
cp="build/gpu/lib/lpe-server.jar:build/gpu/lib/lpe-server-tests.jar:build/gpu/lib/lpe-bench.jar:build/gpu/lib/gson-2.13.1.jar:build/gpu/lib/slf4j-api-2.0.17.jar:build/gpu/lib/slf4j-simple-2.0.17.jar"
step() { echo "== $(date -u +%T) $*" | tee -a "$out/summary.txt"; }

[ -d build/gpu ] || tar -C build -xJf build/gpu.tar.xz || { echo "run.sh: no build/gpu.tar.xz (run tools/gpu/pack.sh)" >&2; exit 1; }
step "host"
{ nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv
  "$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name())'
  "$java" -version; } 2>&1 | tee -a "$out/summary.txt"

step "build native engine against $("$python" -c 'import torch; print(torch.__version__)')"
tools/gpu/build-native.sh "$out/build.log" 2>&1 | tee -a "$out/summary.txt"
[ -f "$lib" ] || { step "build failed"; tail -30 "$out/build.log"; exit 1; }
ldd "$lib" | grep -E "torch|c10|cuda" | tee -a "$out/summary.txt"

step "GPU checks and native CPU tests"
"$java" --enable-native-access=ALL-UNNAMED -Xmx8g -Dlpe.shared=build/gpu/shared -Dlpe.native.library="$lib" \
  -jar build/gpu/lib/junit-platform-console-standalone-1.14.4.jar execute -cp "$cp" \
  --select-class lpe.engine.NativeCudaCheck --select-class lpe.engine.NativeEngineReferenceTest \
  --select-class lpe.engine.NativeSamplerTest --select-class lpe.engine.NativeBadInputTest \
  --select-class lpe.engine.NativeEstimatorPassTest \
  --details=tree --disable-banner > "$out/tests.log" 2>&1
echo "tests exit status $?" | tee -a "$out/summary.txt"
grep -E "tests (successful|failed)|✘" "$out/tests.log" | tee -a "$out/summary.txt"

if [ "${LPE_CHECKS_ONLY:-0}" = 1 ]; then step "done (LPE_CHECKS_ONLY=1: no benchmarks)"; exit 0; fi
batch="${LPE_BATCH:-16384}"
for layers in ${LPE_LAYERS:-1 4}; do
  if [ "$layers" = 1 ]; then samples="${LPE_SAMPLES_1L:-2097152}"; else samples="${LPE_SAMPLES_4L:-524288}"; fi
  dir="/tmp/lpe-bench/L$layers"
  step "benchmark: $layers layer(s), $samples samples, batch $batch"
  "$python" tools/gpu/bench_torch.py prepare "$dir" "$layers" >> "$out/bench.log" 2>&1
  "$python" tools/gpu/bench_torch.py bench "$dir" "$layers" "$samples" "$batch" 2>> "$out/bench.log" | tee -a "$out/bench.jsonl"
  "$java" --enable-native-access=ALL-UNNAMED -Xmx16g -Dlpe.native.library="$lib" -cp "$cp" lpe.engine.NativeBench \
    "$dir" "$layers" "$samples" "$batch" 2>> "$out/bench.log" | tee -a "$out/bench.jsonl"
  for extra in ${LPE_EXTRA_BATCHES:-}; do  # e.g. LPE_EXTRA_BATCHES="65536": bf16 and tf32 at other batch sizes
    "$java" --enable-native-access=ALL-UNNAMED -Xmx16g -Dlpe.native.library="$lib" -cp "$cp" lpe.engine.NativeBench \
      "$dir" "$layers" "$samples" "$extra" cuda tf32,bf16 2>> "$out/bench.log" | tee -a "$out/bench.jsonl"
  done
done
step "estimator pass benchmark: 4 layers, whole tensors vs the ITGIS and MHIS reductions"
"$java" --enable-native-access=ALL-UNNAMED -Xmx16g -Dlpe.native.library="$lib" -cp "$cp" lpe.engine.NativePassBench \
  /tmp/lpe-bench/L4 cuda fp32 2>> "$out/bench.log" | tee -a "$out/bench.jsonl"
if [ -f build/gpu-server.tar.xz ]; then  # the last benchmark of the issue: ITGIS and MHIS through the server
  step "ITGIS and MHIS, ${LPE_TARGETS:-256} targets at once through the server (bench-estimators.sh; its logs in $out/estimators)"
  OUT="$out/estimators" PYTHON="$python" tools/gpu/bench-estimators.sh "${LPE_TARGETS:-256}" "${LPE_BUDGET:-65536}" 2>&1 |
    grep -v "INFO lpe" | tee -a "$out/summary.txt"
else
  step "skipped ITGIS and MHIS through the server: no build/gpu-server.tar.xz (tools/gpu/pack-server.sh makes it)"
fi
step "done"
