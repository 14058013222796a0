#!/usr/bin/env bash
# Packs what tools/gpu/bench-server.sh, bench-estimators.sh and bench-paper.sh need (LPE_PACK=client-cli: what
# ground-truth.sh, the CLI, needs) on a GPU host without Java or Maven into
# build/gpu-server.tar.xz (ignored; carry it). Everything carried to the GPU host must fit 64 MiB, tracked files
# included (41 MB), so the pack is made small:
#   - a jlink'd Java 25 (the modules the CLI uses) with its native libraries stripped;
#   - the bench (or CLI) module's runtime jars, without the PostgreSQL driver (GPU runs use
#     SQLite stores), compile-time annotation jars, the DJL/PyTorch natives, the report's PDF/PNG libraries and the Apache
#     commons archive/IO/codec libraries (unused by `lpe bench server`); only the Linux x86-64 natives of sqlite-jdbc,
#     the tokenizers and JNA, stripped; the third-party classes without their debug attributes (StripDebug.java;
#     lpe's own keep them, for stack traces);
#   - every jar rewritten with its entries stored, not deflated, so that one xz stream (x86 filter, 192 MiB
#     dictionary) compresses all of it together: 23 MB, against 42 MB for deflated jars in a plain tar.xz.
# No models: the GPU scripts use the repository's models/ or write their own.
# Run here after a build (`./lpe bench --help` builds): tools/gpu/pack-server.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
out=build/gpu-server
rm -rf "$out" "$out.tar.xz" build/gpu-server-jars
mkdir -p "$out/lib" build/gpu-server-jars
skip='postgresql-|checker-qual|error_prone|j2objc|jsr305|pytorch-native-cpu|pytorch-jni|pytorch-engine|pdfbox|fontbox|xchart|graphics2d|VectorGraphics2D|animated-gif|commons-compress|commons-io|commons-codec'
# LPE_PACK: the modules whose jars and runtime classpath are packed, e.g. "bench" (lpe bench: bench-*.sh),
# "client-cli" (the CLI: ground-truth.sh) or "bench client-cli" (both, for a session that counts ground truth and
# runs lpe bench paper; their classpaths overlap, so the union is only the CLI's jar larger than bench alone)
for module in ${LPE_PACK:-bench}; do
  echo "$module/target/lpe-$module-0.1.0-SNAPSHOT.jar"; tr ':' '\n' < "$module/target/classpath.txt" | grep -Ev "$skip"
done | grep -v '^$' | sort -u |
  while read -r jar; do
    dir="build/gpu-server-jars/$(basename "$jar" .jar)"
    mkdir -p "$dir" && (cd "$dir" && unzip -qo "$(cd "$root" && realpath "$jar")")
  done
keep_natives() {  # keep_natives JAR_NAME DIR KEEP_REGEX: drops the files under DIR of that jar not matching KEEP_REGEX
  (cd build/gpu-server-jars/"$1"* && find "$2" -type f | grep -Ev "$3" | xargs -r rm -f)
}
keep_natives sqlite-jdbc- org/sqlite/native 'native/Linux/x86_64/'
keep_natives tokenizers- native/lib 'lib/linux-x86_64/|\.properties$'
keep_natives jna- com/sun/jna '^com/sun/jna/([^/-]+/|[^/]+$)|/linux-x86-64/'  # its platform folders hold a '-'
find build/gpu-server-jars -name '*.so' -exec strip --strip-unneeded {} +
java tools/gpu/StripDebug.java $(ls -d build/gpu-server-jars/* | grep -v '/lpe-')
for dir in build/gpu-server-jars/*; do
  (cd "$dir" && zip -q -r -0 -X "$root/$out/lib/$(basename "$dir").jar" .)
done
rm -rf build/gpu-server-jars
jlink --add-modules java.base,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,jdk.httpserver,java.net.http \
  --strip-debug --no-header-files --no-man-pages --output "$out/java"
find "$out/java/lib" -name '*.so' -exec strip --strip-unneeded {} +  # --strip-debug leaves their symbol tables
tar -C build -cf - gpu-server | xz --x86 --lzma2=preset=9e,dict=192MiB > "$out.tar.xz"
rm -rf "$out"
ls -l "$out.tar.xz"
