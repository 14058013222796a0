#!/usr/bin/env bash
# Packs what tools/gpu/bench-server.sh needs on a GPU host without Java or Maven into build/gpu-server.tar.xz (ignored;
# carry it): a jlink'd Java 25, the CLI's runtime jars without the DJL/PyTorch natives, Netty and the report's PDF/PNG
# libraries (unused by `lpe bench server`), the Linux x86-64 natives only of sqlite-jdbc and the tokenizers, and
# stories260K. Run here after a build (`./lpe --help` builds): tools/gpu/pack-server.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
out=build/gpu-server
rm -rf "$out" "$out.tar.xz"
mkdir -p "$out/lib" "$out/models"
skip='pytorch-native-cpu|pytorch-jni|pytorch-engine|grpc-netty-shaded|pdfbox|fontbox|xchart|graphics2d|VectorGraphics2D|animated-gif'
cp client-cli/target/lpe-client-cli-0.1.0-SNAPSHOT.jar "$out/lib/"
tr ':' '\n' < client-cli/target/classpath.txt | grep -Ev "$skip" | while read -r jar; do cp "$jar" "$out/lib/"; done
strip_jar() {  # strip_jar JAR KEEP_REGEX NATIVE_PREFIX: drop NATIVE_PREFIX/* entries that do not match KEEP_REGEX
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && jar xf "$root/$1")
  find "$tmp/$3" -type f | grep -Ev "$2" | xargs -r rm -f
  rm "$root/$1" && (cd "$tmp" && jar cf "$root/$1" .) && rm -rf "$tmp"
}
strip_jar "$out/lib/sqlite-jdbc-3.54.1.0.jar" 'native/Linux/x86_64/' org/sqlite/native
strip_jar "$out/lib/tokenizers-0.36.0.jar" 'lib/linux-x86_64/|\.properties$' native/lib
jlink --add-modules java.base,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,jdk.httpserver,java.net.http \
  --strip-debug --no-header-files --no-man-pages --output "$out/java"
cp -r "${LPE_SHARED:-$(cd "$root" && while [ ! -d shared/models/stories260K ] && [ "$PWD" != / ]; do cd ..; done; pwd)/shared}/models/stories260K" "$out/models/"
tar -C build -cJf "$out.tar.xz" gpu-server
rm -rf "$out"
du -sh "$out.tar.xz"
