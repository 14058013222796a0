#!/usr/bin/env bash
# On a GPU host with PyTorch: builds build/native-cuda/liblpe_native.so against the host's torch, with CMake
# (native/build.sh) or, where find_package(Torch) fails (it needs a CUDA toolkit matching the wheel), by compiling and
# linking against the torch wheel directly. Used by run.sh, bench-server.sh and bench-estimators.sh.
#   tools/gpu/build-native.sh LOG      (compiler output goes to LOG; exit status 1 if no library came out)
# Environment: PYTHON (default python3).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
log="${1:?usage: tools/gpu/build-native.sh LOG}"
python="${PYTHON:-python3}"
lib="$root/build/native-cuda/liblpe_native.so"
mkdir -p build/native-cuda
if ! PYTHON="$python" native/build.sh "$root/build/native-cuda" > "$log" 2>&1; then
  echo "build-native: cmake failed (tail of $log below); linking against the torch wheel directly" >&2
  tail -5 "$log" >&2
  t="$("$python" -c 'import torch, os; print(os.path.dirname(torch.__file__))')"
  abi="$("$python" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')"
  for f in native/src/*.cpp; do
    g++ -O2 -std=c++17 -fPIC -fvisibility=hidden -D_GLIBCXX_USE_CXX11_ABI="$abi" -Inative/include -I"$t/include" \
      -I"$t/include/torch/csrc/api/include" -c "$f" -o "build/native-cuda/$(basename "$f" .cpp).o" >> "$log" 2>&1 &
  done
  wait
  g++ -shared -o "$lib" build/native-cuda/*.o -L"$t/lib" -Wl,--no-as-needed -ltorch -ltorch_cpu -ltorch_cuda -lc10 \
    -lc10_cuda -Wl,--as-needed -Wl,-rpath,"$t/lib" >> "$log" 2>&1
fi
[ -f "$lib" ] || { echo "build-native: no library built; tail of $log:" >&2; tail -30 "$log" >&2; exit 1; }
