#!/usr/bin/env bash
# Builds the native engine (build/native/liblpe_native.so) with CMake find_package(Torch).
#   native/build.sh                 uses $LIBTORCH (a libtorch folder or a torch Python package folder) if set,
#                                   else the torch of $PYTHON (default python3) if it has one, else Debian's libtorch-dev
#   native/build.sh OUTDIR          builds into OUTDIR instead of build/native
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/build/native}"
python="${PYTHON:-python3}"
torch_root="${LIBTORCH:-}"
if [ -z "$torch_root" ] && "$python" -c 'import torch' 2>/dev/null; then
  torch_root="$("$python" -c 'import torch, os; print(os.path.dirname(torch.__file__))')"
fi
if [ -n "$torch_root" ]; then
  # Naming the libtorch folder itself first keeps find_library from taking another libtorch (e.g. Debian's) instead.
  prefix="$torch_root;$torch_root/share/cmake"
elif [ -f /usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake ] || [ -d /usr/share/libtorch ] || [ -f /usr/include/torch/csrc/api/include/torch/torch.h ]; then
  prefix="/usr"
else
  echo "native/build.sh: no libtorch found: install Debian's libtorch-dev, or pip's torch, or set LIBTORCH=<libtorch folder>" >&2
  exit 1
fi
cmake -S "$root/native" -B "$out" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release
cmake --build "$out" -j "$(nproc)"
echo "native/build.sh: built $out/liblpe_native.so against ${torch_root:-Debian libtorch-dev}"
