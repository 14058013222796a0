"""A minimal lpe client: submit one estimation job, stream its progress to stderr, print the result as one JSON line.

Usage: lpe_example.py HOST:PORT MODEL SPEC TARGET [METHOD [BUDGET [SEED]]]
  SPEC   a preset name (hex, camel, ...) or the path of a JSON spec file (sent inline)
  TARGET a vocabulary string (e.g. "▁cat") or id:N
The JSON line has the fields of `lpe estimate --json`.
"""
import json
import os
import sys
import uuid

import grpc

from lpe.v1 import common_pb2, estimation_pb2, estimation_pb2_grpc

PRESETS = {"hex", "camel", "colon", "if", "caps", "english", "spanish", "icl"}


def job_spec(model, spec, target, method, budget, seed):
    js = estimation_pb2.JobSpec(model=model, method=method, budget=budget, seed=seed)
    if spec in PRESETS:
        js.preset = spec
    else:
        with open(spec, encoding="utf-8") as f:
            js.spec_json = f.read()
    ref = js.targets.add()
    if target.startswith("id:"):
        ref.id = int(target[3:])
    else:
        ref.token = target
    return js


def as_json(e):
    return {
        "method": e.method,
        "target": {"id": e.target.id, "token": e.target.token},
        "estimate": e.estimate,
        "std_error": e.std_error,
        "ci95": [e.ci95_low, e.ci95_high],
        "interval_kind": common_pb2.IntervalKind.Name(e.interval_kind)[len("INTERVAL_KIND_"):].lower(),
        "upper_bound_only": e.upper_bound_only,
        "ess": e.ess,
        "forward_passes": e.forward_passes,
        "backward_passes": e.backward_passes,
        "seconds": e.seconds,
        "seed": e.seed,
    }


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    server, model, spec, target = argv[1:5]
    method = argv[5] if len(argv) > 5 else "itgis"
    budget = int(argv[6]) if len(argv) > 6 else 4096
    seed = int(argv[7]) if len(argv) > 7 else 1
    metadata = [("authorization", "Bearer " + os.environ["LPE_TOKEN"])] if os.environ.get("LPE_TOKEN") else []

    with grpc.insecure_channel(server) as channel:
        stub = estimation_pb2_grpc.EstimationServiceStub(channel)
        try:
            request = estimation_pb2.SubmitJobRequest(
                spec=job_spec(model, spec, target, method, budget, seed), request_id=str(uuid.uuid4()))
            job = stub.SubmitJob(request, timeout=30, metadata=metadata)
            print(f"submitted job {job.id}", file=sys.stderr)
            for job in stub.WatchJob(estimation_pb2.WatchJobRequest(name=job.id), timeout=3600, metadata=metadata):
                p = job.progress
                if p.current:
                    c = p.current[0]
                    print(f"{p.samples_done}/{p.budget} samples, p={c.estimate:.3e} "
                          f"[{c.ci95_low:.3e}, {c.ci95_high:.3e}], {p.rate:.0f}/s", file=sys.stderr)
        except grpc.RpcError as e:
            print(f"lpe example: {e.code().name}: {e.details()}", file=sys.stderr)
            return 1
    if job.state != estimation_pb2.Job.SUCCEEDED:
        print(f"lpe example: job {job.id} ended {estimation_pb2.Job.State.Name(job.state).lower()}: {job.reason}",
              file=sys.stderr)
        return 1
    print(json.dumps(as_json(job.result.estimates[0]), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
