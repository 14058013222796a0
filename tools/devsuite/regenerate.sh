#!/usr/bin/env bash
# Regenerates the development suite's exact files (docs/devsuite.md) by enumerating every input on the native
# engine: tools/devsuite/regenerate.sh [--device cpu|cuda[:N]] [ENTRY ...]  (default: every entry of suite.json).
# Needs the native engine built (native/build.sh) and Maven; run from anywhere.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
export LPE_NATIVE_LIBRARY="${LPE_NATIVE_LIBRARY:-$root/build/native/liblpe_native.so}"
mvn -B -ntp -q -pl server -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/devsuite.classpath
java --enable-native-access=ALL-UNNAMED -Xmx4g \
  -cp "server/target/test-classes:server/target/classes:$(cat server/target/devsuite.classpath)" \
  lpe.estimate.DevSuiteGenerator --root "$root" "$@"
