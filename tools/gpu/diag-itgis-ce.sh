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
