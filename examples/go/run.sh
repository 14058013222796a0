#!/usr/bin/env bash
# Usage: run.sh HOST:PORT MODEL SPEC TARGET [METHOD [BUDGET [SEED]]]
# Generates the Go stubs from proto/ with Debian's protoc, builds offline in GOPATH mode against Debian's Go packages,
# and runs the example; the last stdout line is the result as JSON.
# Needs: apt-get install protobuf-compiler golang-go golang-google-grpc-dev golang-google-protobuf-dev
#        golang-google-genproto-dev protoc-gen-go protoc-gen-go-grpc, then golang-github-golang-protobuf-1-5-dev
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$here/build"
gopath="$build/gopath"
mkdir -p "$gopath/src"
source "$here/../find-protos.sh" "$build"
# go_package "lpe/v1;lpev1" puts the stubs at $gopath/src/lpe/v1; google/rpc/status.proto is only imported
# (its Go package comes from golang-google-genproto-dev)
protoc -I "$PROTO_DIR" -I "$RPC_PROTO_DIR" -I /usr/include \
  --go_out="$gopath/src" --go-grpc_out="$gopath/src" "$PROTO_DIR"/lpe/v1/*.proto
export GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOPROXY=off GOCACHE="$build/gocache"
go build -o "$build/lpe-example" "$here/main.go"
exec "$build/lpe-example" "$@"
