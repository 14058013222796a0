# Sourced by examples/*/run.sh: sets PROTO_DIR (lpe's .proto files) and RPC_PROTO_DIR (a directory holding
# google/rpc/status.proto, which estimation.proto imports). The latter comes from the proto-google-common-protos jar
# that the Maven build fetched (extracted by the proto module's build, or straight from ~/.m2).
examples_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$examples_dir/.." && pwd)"
PROTO_DIR="$repo_root/proto/src/main/proto"
RPC_PROTO_DIR=""
for d in "$repo_root"/proto/target/protoc-dependencies/*/; do
  if [ -f "$d/google/rpc/status.proto" ]; then RPC_PROTO_DIR="$d"; break; fi
done
if [ -z "$RPC_PROTO_DIR" ]; then
  jar="$(ls "${HOME}"/.m2/repository/com/google/api/grpc/proto-google-common-protos/*/proto-google-common-protos-*.jar 2>/dev/null | grep -v sources | tail -1 || true)"
  if [ -z "$jar" ]; then
    echo "google/rpc/status.proto not found: build the project first (mvn -B -ntp -DskipTests install)" >&2
    exit 1
  fi
  RPC_PROTO_DIR="$1/rpc-protos"  # $1: the example's build directory
  mkdir -p "$RPC_PROTO_DIR"
  (cd "$RPC_PROTO_DIR" && unzip -qo "$jar" 'google/rpc/status.proto')
fi
if ! command -v protoc >/dev/null; then
  echo "protoc not found: apt-get install protobuf-compiler (see README.md, Clients)" >&2
  exit 1
fi
