#!/usr/bin/env bash
# Packs what tools/gpu/run.sh needs on a GPU host that has PyTorch but no Java into build/gpu.tar.xz (ignored; carry
# it; run.sh unpacks it into build/gpu): a jlink'd Java 25 runtime, the server, test and bench classes with their few runtime
# jars, JUnit's console launcher, and stories260K (the GPU checks compare CUDA with CPU on it). Everything carried must
# fit 64 MiB with the tracked files (41 MB), so, as in pack-server.sh, the runtime's native libraries are stripped and
# the jars stored, not deflated, under one xz stream: about 20 MB. Run here, from anywhere: tools/gpu/pack.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
out=build/gpu
rm -rf "$out" "$out.tar.xz"
mkdir -p "$out/lib" "$out/shared/models"
mvn -B -ntp -q -pl bench -am package -DskipTests
jar --create --file "$out/lib/lpe-server.jar" -C server/target/classes .
jar --create --file "$out/lib/lpe-server-tests.jar" -C server/target/test-classes .
jar --create --file "$out/lib/lpe-bench.jar" -C bench/target/classes .
repo="$HOME/.m2/repository"
for a in com.google.code.gson:gson:2.13.1 org.slf4j:slf4j-api:2.0.17 org.slf4j:slf4j-simple:2.0.17 \
         org.junit.platform:junit-platform-console-standalone:1.14.4; do
  mvn -B -ntp -q dependency:copy -Dartifact="$a" -DoutputDirectory="$out/lib"
done
for jar in "$out"/lib/*.jar; do  # stored entries: xz compresses across all of them
  rm -rf build/gpu-jar && mkdir build/gpu-jar && (cd build/gpu-jar && unzip -q "$root/$jar") && rm "$jar" &&
    (cd build/gpu-jar && zip -q -r -0 -X "$root/$jar" .)
done
rm -rf build/gpu-jar
jlink --add-modules java.base,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported \
  --strip-debug --no-header-files --no-man-pages --output "$out/java"
find "$out/java/lib" -name '*.so' -exec strip --strip-unneeded {} +
cp -r "${LPE_SHARED:-$(cd "$root" && while [ ! -d shared/models/stories260K ] && [ "$PWD" != / ]; do cd ..; done; pwd)/shared}/models/stories260K" "$out/shared/models/"
tar -C build -cf - gpu | xz --x86 --lzma2=preset=9e,dict=192MiB > "$out.tar.xz"
rm -rf "$out"
ls -l "$out.tar.xz"
