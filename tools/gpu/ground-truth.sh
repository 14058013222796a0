#!/usr/bin/env bash
# Ground truth for the bundled models (models/gelu-1l, gelu-2l, gelu-4l) on every preset that builds for their
# tokenizer (lpe dists; 7 of 8, caps is refused): resumable shards of `lpe ground-truth --engine native`, round robin
# over the 21 pairs until SECONDS have passed, so that every pair gets samples early. docs/ground-truth.md and
# docs/benchmarks/ground-truth/README.md describe the scheme; in short:
#   - every pair counts one stream: --seed 0 --samples N*ROUND, sliced by --shard k/N into shards of ROUND samples
#     (defaults ROUND = 2^26, N = 2^20: room for 2^46 samples per pair);
#   - a session continues each pair where the earlier ones stopped: first an unfinished shard (resumed from its file),
#     else the shard after the highest one that exists, in OUTDIR or in PRIOR (the committed files of earlier
#     sessions); so sessions never count a sample twice, and their files merge with `lpe ground-truth --merge`;
#   - each round gives gelu-1l WEIGHT_1L shards per pair and the others one (the 1-layer model gets more samples);
#   - at the end (or when time is up) every pair's shards, OUTDIR's and PRIOR's, are merged into OUTDIR/merged/.
#
#   tools/gpu/pack-server.sh                       (where Maven is: build/gpu-server.tar.xz, the CLI and a Java)
#   tools/gpu/ground-truth.sh OUTDIR SECONDS       (on the GPU host; needs python3 with torch to build the engine)
#
# Environment: LPE_DEVICE (cuda; cpu to try it here), LPE_PRECISION (fp32), LPE_ROUND (2^26), LPE_SHARDS (2^20),
# LPE_WEIGHT_1L (2), LPE_MODELS ("gelu-1l gelu-2l gelu-4l"), LPE_DISTS (default: every preset lpe dists builds),
# LPE_PRIOR (docs/benchmarks/ground-truth/shards), LPE_BATCH (the engine's default), LPE_JAVA (build/gpu-server's
# java), LPE_LIBRARY (the native engine; default: built here against python3's torch into build/native-cuda),
# PYTHON (python3). Output: OUTDIR/shards/MODEL.DIST.shard-K-of-N.json, OUTDIR/merged/MODEL.DIST.json,
# OUTDIR/ground-truth.log, OUTDIR/summary.txt (tools/gpu/ground-truth-summary.py of the merged files).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${1:?usage: tools/gpu/ground-truth.sh OUTDIR SECONDS}"
seconds="${2:?usage: tools/gpu/ground-truth.sh OUTDIR SECONDS}"
deadline=$(( $(date +%s) + seconds ))
device="${LPE_DEVICE:-cuda}"
precision="${LPE_PRECISION:-fp32}"
round="${LPE_ROUND:-67108864}"
shards="${LPE_SHARDS:-1048576}"
samples=$(( round * shards ))
prior="${LPE_PRIOR:-docs/benchmarks/ground-truth/shards}"
python="${PYTHON:-python3}"
mkdir -p "$out/shards" "$out/merged"
out="$(cd "$out" && pwd)"
log="$out/ground-truth.log"
say() { echo "== $(date -u +%T) $*" | tee -a "$log" >&2; }

java="${LPE_JAVA:-build/gpu-server/java/bin/java}"
if [ -z "${LPE_JAVA:-}" ] && [ ! -x "$java" ]; then
  tar -C build -xJf build/gpu-server.tar.xz || { say "no build/gpu-server.tar.xz (run tools/gpu/pack-server.sh)"; exit 1; }
fi
cp_jars="${LPE_CLASSPATH:-build/gpu-server/lib/*}"
lib="${LPE_LIBRARY:-$root/build/native-cuda/liblpe_native.so}"
if [ ! -f "$lib" ]; then
  PYTHON="$python" tools/gpu/build-native.sh "$out/build.log" || { say "native engine build failed"; exit 1; }
fi
# RUST_FLAVOR=cpu: on a CUDA host DJL's tokenizers would look for their CUDA build (a download) and fail to load
lpe=("$java" --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xmx8g -Dlpe.home="$root" -DRUST_FLAVOR=cpu
  -Dai.djl.util.cuda.fork=true
  -Dlpe.native.library="$lib" -cp "$cp_jars" lpe.cli.Lpe)

models="${LPE_MODELS:-gelu-1l gelu-2l gelu-4l}"
pairs=()
for m in $models; do
  dists="${LPE_DISTS:-$("${lpe[@]}" dists --model "models/$m" --json 2>>"$log" | tail -1 |
    "$python" -c 'import json, sys; print(" ".join(p["name"] for p in json.load(sys.stdin)["presets"] if "refused" not in p))')}"
  for d in $dists; do pairs+=("$m.$d"); done
done
[ ${#pairs[@]} -gt 0 ] || { say "no (model, dist) pair: see the lines above"; exit 1; }
say "device $device, precision $precision, shards of $round samples (k/$shards of --samples $samples, seed 0);" \
  "${#pairs[@]} pairs: ${pairs[*]}"

# next_shard PAIR: the shard to count next, "K" (resume or start), from OUTDIR/shards and PRIOR
next_shard() {
  "$python" - "$1" "$out/shards" "$prior" "$shards" <<'PY'
import glob, json, os, re, sys
pair, here, prior, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
files = {}
for folder in (prior, here):  # here wins: it holds the newer state of a resumed shard
    for f in glob.glob(os.path.join(folder, f"{pair}.shard-*-of-{n}.json")):
        files[int(re.search(r"\.shard-(\d+)-of-", f).group(1))] = f
unfinished = []
for k, f in sorted(files.items()):
    part = json.load(open(f))["shards"][0]
    if part["counted"] < part["end"] - part["first"]:
        unfinished.append(k)
print(unfinished[0] if unfinished else max(files, default=0) + 1)
PY
}

count() {  # count PAIR: one shard of PAIR, within the time left
  local pair="$1" model="${1%%.*}" dist="${1#*.}" k file left
  k="$(next_shard "$pair")"
  file="$out/shards/$pair.shard-$k-of-$shards.json"
  [ -f "$file" ] || [ ! -f "$prior/$pair.shard-$k-of-$shards.json" ] || cp "$prior/$pair.shard-$k-of-$shards.json" "$file"
  left=$(( deadline - $(date +%s) ))
  [ "$left" -gt 5 ] || return 1
  say "$pair shard $k/$shards ($left s left)"
  # on TERM the JVM stops; the file holds the last checkpoint (written every few seconds, atomically)
  timeout --signal=TERM "$left" "${lpe[@]}" ground-truth --engine native --device "$device" --precision "$precision" ${LPE_BATCH:+--batch "$LPE_BATCH"} \
    --model "models/$model" --dist "$dist" --samples "$samples" --seed 0 --shard "$k/$shards" --out "$file" \
    >> "$log" 2>&1
  local status=$?
  [ "$status" = 0 ] || say "$pair shard $k: exit status $status$( [ "$status" = 124 ] && echo ' (time is up; resumes next session)')"
  return 0
}

while [ $(( deadline - $(date +%s) )) -gt 5 ]; do
  for pair in "${pairs[@]}"; do
    repeats=1
    [ "${pair%%.*}" = gelu-1l ] && repeats="${LPE_WEIGHT_1L:-2}"
    for _ in $(seq "$repeats"); do count "$pair" || break 3; done
  done
done

say "merging every pair's shards (this session's and $prior's) into $out/merged"
for pair in "${pairs[@]}"; do
  files=()
  declare -A seen=()
  for f in "$out/shards/$pair".shard-*-of-"$shards".json; do [ -f "$f" ] && files+=("$f") && seen[$(basename "$f")]=1; done
  for f in "$prior/$pair".shard-*-of-"$shards".json; do [ -f "$f" ] && [ -z "${seen[$(basename "$f")]:-}" ] && files+=("$f"); done
  unset seen
  [ "${#files[@]}" -gt 0 ] || continue
  rm -f "$out/merged/$pair.json"
  "${lpe[@]}" ground-truth --merge "${files[@]}" --out "$out/merged/$pair.json" >> "$log" 2>&1 || say "$pair: merge failed (see $log)"
done
"$python" tools/gpu/ground-truth-summary.py "$out"/merged/*.json | tee "$out/summary.txt"
say "done"
