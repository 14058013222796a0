#!/usr/bin/env bash
# Usage: run.sh HOST:PORT MODEL SPEC TARGET [METHOD [BUDGET [SEED]]]
# Generates the Python stubs from proto/ with Debian's protoc (never the Maven one: its output needs a newer
# protobuf runtime than Debian's), then runs lpe_example.py; the last stdout line is the result as JSON.
# Needs: apt-get install protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$here/build"
mkdir -p "$build/gen"
source "$here/../find-protos.sh" "$build"
protoc -I "$PROTO_DIR" -I "$RPC_PROTO_DIR" -I /usr/include \
  --python_out="$build/gen" --grpc_python_out="$build/gen" \
  --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin \
  "$PROTO_DIR"/lpe/v1/*.proto "$RPC_PROTO_DIR/google/rpc/status.proto"
# Debian's python (the one that sees python3-grpcio), not whatever python3 is first on PATH
PYTHONPATH="$build/gen" exec /usr/bin/python3 "$here/lpe_example.py" "$@"
