#!/usr/bin/env bash
# On a GPU host with PyTorch: builds the native engine against the host's torch (as tools/gpu/run.sh does), unpacks
# build/gpu-server.tar.xz (tools/gpu/pack-server.sh) and runs `lpe bench server` on CUDA. Extra arguments go to the
# bench (e.g. --jobs 64 --budget 256). Output: the bench's JSON line on stdout, logs in ${OUT:-/tmp/lpe-gpu-server}.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:-/tmp/lpe-gpu-server}"
mkdir -p "$out"
python="${PYTHON:-python3}"
lib="$root/build/native-cuda/liblpe_native.so"
tar -C build -xJf build/gpu-server.tar.xz
if [ ! -f "$lib" ]; then
  mkdir -p build/native-cuda
  if ! PYTHON="$python" native/build.sh "$root/build/native-cuda" > "$out/build.log" 2>&1; then
    t="$("$python" -c 'import torch, os; print(os.path.dirname(torch.__file__))')"
    abi="$("$python" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')"
    for f in native/src/*.cpp; do
      g++ -O2 -std=c++17 -fPIC -fvisibility=hidden -D_GLIBCXX_USE_CXX11_ABI="$abi" -Inative/include -I"$t/include" \
        -I"$t/include/torch/csrc/api/include" -c "$f" -o "build/native-cuda/$(basename "$f" .cpp).o" >> "$out/build.log" 2>&1 &
    done
    wait
    g++ -shared -o "$lib" build/native-cuda/*.o -L"$t/lib" -Wl,--no-as-needed -ltorch -ltorch_cpu -ltorch_cuda -lc10 \
      -lc10_cuda -Wl,--as-needed -Wl,-rpath,"$t/lib" >> "$out/build.log" 2>&1
  fi
fi
[ -f "$lib" ] || { echo "bench-server: native build failed" >&2; tail -30 "$out/build.log" >&2; exit 1; }
nvidia-smi --query-gpu=name --format=csv,noheader >&2
build/gpu-server/java/bin/java --enable-native-access=ALL-UNNAMED -Xmx16g -Dlpe.native.library="$lib" \
  -cp "build/gpu-server/lib/*" lpe.cli.Lpe bench server --model-root build/gpu-server/models \
  --engine native --device cuda --json "$@" 2> "$out/bench.log"
