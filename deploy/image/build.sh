#!/usr/bin/env bash
# Builds the lpe server image from scratch without a daemon or a registry (buildah, Debian's package), from files the
# build makes: a jlink'd Java runtime, the CLI's jars and the shared libraries that they and the JVM load; with
# --native, the native engine (build/native/liblpe_native.so, built by native/build.sh against the host's libtorch:
# CPU, or CUDA on a GPU host) and every library it links. --check then exports the image's file system (buildah
# mount), starts the server from it with chroot, as the image's user with its entrypoint and environment, and waits
# for grpc.health.v1 to answer SERVING.
#
# Usage: deploy/image/build.sh [--native] [--name IMAGE] [--check]
#   deploy/image/build.sh --check                                 # localhost/lpe:dev (DJL engine, CPU)
#   native/build.sh && deploy/image/build.sh --native --name localhost/lpe-cuda:dev   # on a host with CUDA libtorch
set -euo pipefail
cd "$(dirname "$0")/../.."
name=localhost/lpe:dev
native=0
check=0
while [ $# -gt 0 ]; do
  case "$1" in
    --native) native=1 ;;
    --name) name="$2"; shift ;;
    --check) check=1 ;;
    *) echo "deploy/image/build.sh: unknown argument $1 (--native, --name IMAGE, --check)" >&2; exit 2 ;;
  esac
  shift
done
export JAVA_HOME="${LPE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
buildah=(buildah --storage-driver vfs)
command -v buildah >/dev/null || { echo "deploy/image/build.sh: buildah is missing (apt-get install buildah)" >&2; exit 1; }

jar=client-cli/target/lpe-client-cli-0.1.0-SNAPSHOT.jar
if [ ! -f client-cli/target/classpath.txt ] || [ ! -f "$jar" ]; then
  mvn -q -B -ntp -DskipTests install
fi
out=build/image
rm -rf "$out"
root="$out/rootfs"
mkdir -p "$root"/{app/lib,models,tmp,etc,dev,proc} "$out/data"
chmod 1777 "$root/tmp"

# The jars, as ./lpe runs them.
cp "$jar" "$root/app/lib/"
tr ':' '\n' < client-cli/target/classpath.txt | xargs -I{} cp {} "$root/app/lib/"

# A Java runtime of the modules the server uses (found with jdeps, plus what is loaded by name: JDBC drivers' naming
# and XA, TLS's elliptic curves, the HTTP metrics server).
jlink --add-modules java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.unsupported,jdk.management,java.security.jgss,java.security.sasl \
  --strip-debug --no-man-pages --no-header-files --output "$root/opt/java"

if [ "$native" = 1 ]; then
  [ -f build/native/liblpe_native.so ] || { echo "deploy/image/build.sh: build/native/liblpe_native.so is missing (native/build.sh)" >&2; exit 1; }
  mkdir -p "$root/app/build/native"
  cp build/native/liblpe_native.so "$root/app/build/native/"
fi

# Every shared library the ELF files in the image link (ldd's closure), plus those that the jars' native parts load
# after unpacking them at run time (DJL's libtorch and tokenizers, sqlite-jdbc, netty): the C++ runtime and OpenMP.
copy_lib() {
  local lib="$1"
  [ -e "$root$lib" ] && return 0
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
}
for lib in /lib/x86_64-linux-gnu/{libstdc++.so.6,libgcc_s.so.1,libgomp.so.1,libz.so.1} /usr/lib/x86_64-linux-gnu/libgomp.so.1; do
  [ -e "$lib" ] && copy_lib "$lib"
done
while read -r elf; do
  ldd "$elf" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | while read -r lib; do copy_lib "$lib"; done
done < <(find "$root" -type f \( -name '*.so*' -o -path '*/bin/*' \) -exec sh -c 'head -c4 "$1" | grep -q ELF' _ {} \; -print)

cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
lpe:x:10001:10001:lpe:/data:/sbin/nologin
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
lpe:x:10001:
GROUP

"${buildah[@]}" rmi --force "$name" >/dev/null 2>&1 || true
"${buildah[@]}" bud --quiet --isolation chroot --layers=false -f deploy/image/Containerfile -t "$name" "$out"
echo "deploy/image/build.sh: built $name ($(du -sh "$root" | cut -f1) of files)"

[ "$check" = 1 ] || exit 0

# The check: the image's file system, its entrypoint, environment and user, run with chroot.
ctr=$("${buildah[@]}" from --quiet "$name")
mnt=$("${buildah[@]}" mount "$ctr")
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  umount "$mnt/proc" 2>/dev/null || true
  umount "$mnt/dev" 2>/dev/null || true
  "${buildah[@]}" umount "$ctr" >/dev/null || true
  "${buildah[@]}" rm "$ctr" >/dev/null || true
}
trap cleanup EXIT
# What a container runtime provides: /dev (SecureRandom reads /dev/urandom) and /proc.
mount --bind /dev "$mnt/dev"
mount -t proc proc "$mnt/proc"
config="$out/config.json"
"${buildah[@]}" inspect --type image "$name" > "$config"
field() { python3 -c 'import json,sys; v = json.load(open(sys.argv[1]))["OCIv1"]["config"][sys.argv[2]]; print("\n".join(v) if isinstance(v, list) else v)' "$config" "$1"; }
mapfile -t entrypoint < <(field Entrypoint)
mapfile -t env < <(field Env)
user=$(field User)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log="$out/check.log"
env -i "${env[@]}" "$(command -v chroot)" --userspec="$user" "$mnt" "${entrypoint[@]}" --port="$port" --metrics-port=-1 \
  --model-root=/models > "$log" 2>&1 &
server=$!
if ! java --enable-native-access=ALL-UNNAMED -cp "$(cat client-cli/target/classpath.txt)" deploy/image/HealthCheck.java "127.0.0.1:$port" 120 "$server"; then
  echo "deploy/image/build.sh: the server from $name did not answer health; its log:" >&2
  cat "$log" >&2
  exit 1
fi
[ -f "$mnt/data/jobs.db" ] || { echo "deploy/image/build.sh: no job store at /data/jobs.db in the image" >&2; cat "$log" >&2; exit 1; }
echo "deploy/image/build.sh: $name checked: the server started from its file system (chroot, user $user) answers SERVING"
