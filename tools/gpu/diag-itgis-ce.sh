#!/usr/bin/env bash
# On a GPU host (device call; carry build/gpu-server.tar.xz from LPE_PACK="bench client-cli" tools/gpu/pack-server.sh):
# itgis vs itgis-ce on two gelu-1l/camel targets of lpe bench paper (ids 2007, 1031; truth 2.48e-6, 1.21e-6), seeds
# 1-3, fp32 and TF32, both temperature rules; one line per run in $OUT/diag.txt (docs/benchmarks-paper.md).
set -u
tar -C build -xJf build/gpu-server.tar.xz
PYTHON=python3 tools/gpu/build-native.sh /tmp/build.log
lib=$PWD/build/native-cuda/liblpe_native.so
lpe() { build/gpu-server/java/bin/java --enable-native-access=ALL-UNNAMED -Xmx8g -Dlpe.home=$PWD -DRUST_FLAVOR=cpu -Dai.djl.util.cuda.fork=true -Dlpe.native.library=$lib -cp "build/gpu-server/lib/*" lpe.cli.Lpe "$@"; }
for prec in fp32 tf32; do for t in 2007 1031; do for cfg in "itgis paper-table" "itgis adaptive" "itgis-ce adaptive" "itgis-ce paper-table"; do set -- $cfg
  for seed in 1 2 3; do
   r=$(lpe estimate --model models/gelu-1l --dist camel --target id:$t --method $1 --temperature-rule $2 --seed $seed --engine native --device cuda --precision $prec --json 2>/dev/null | tail -1)
   echo "$prec $t $1 $2 $seed $r" | tee -a $OUT/diag.txt | cut -c1-300
  done & done; wait; done; done
