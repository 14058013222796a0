"""Profiles the native engine with PyTorch's profiler (the library is loaded into this Python process through ctypes
and uses this process's libtorch, so its kernels are what the profiler sees): the device-side ground-truth loop, or
one estimator pass as ITGIS or MHIS asks for it through the server (256 targets at once: ITGIS batches of 256 rows per
target with their one-hot gradient sums per target; MHIS rows with 4 look-ahead proposal draws each).

  python3 tools/gpu/profile_native.py LIB DIR LAYERS PRECISION [SAMPLES] [BATCH]
  python3 tools/gpu/profile_native.py LIB DIR LAYERS PRECISION itgis|mhis [BATCH]

LPE_DEVICE=cpu runs it on the CPU (to try the script). DIR is a model folder written by `tools/gpu/bench_torch.py prepare DIR LAYERS`. Prints the CUDA kernels by total time
and the throughput (the loop: of the profiled run, which profiling slows; a pass: of 10 unprofiled calls).
"""
import ctypes
import json
import os
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import load_file

SUPPORT = list(range(1000, 2000))


def config_text(c):
    d, h = c["n_embd"], c["n_head"]
    keys = {"arch": "gpt2", "vocab": c["vocab_size"], "hidden": d, "layers": c["n_layer"], "heads": h, "kv_heads": h,
            "head_dim": d // h, "intermediate": c.get("n_inner") or 4 * d, "context": c["n_positions"],
            "norm_eps": c["layer_norm_epsilon"], "rope_theta": 0, "rotary_dim": 0,
            "tied": int(c.get("tie_word_embeddings", True)), "parallel_residual": 0,
            "activation": c["activation_function"]}
    return "\n".join(f"{k}={v}" for k, v in keys.items()).encode()


def main():
    lib_path, folder, layers, precision = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    pass_kind = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] in ("itgis", "mhis") else None
    samples = int(sys.argv[5]) if len(sys.argv) > 5 and not pass_kind else 262144
    batch = int(sys.argv[6]) if len(sys.argv) > 6 else 16384
    lib = ctypes.CDLL(lib_path)
    err = ctypes.create_string_buffer(4096)
    lib.lpe_model_create.restype = ctypes.c_void_p
    lib.lpe_model_create.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int64]
    lib.lpe_model_add_tensor.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int64), ctypes.c_int32,
                                         ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int64]
    lib.lpe_model_finish.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int64]
    lib.lpe_sample_argmax_counts.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p,
                                             ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint64,
                                             ctypes.c_int64, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int64]
    config = json.loads((folder / "config.json").read_text())
    model = lib.lpe_model_create(config_text(config), os.environ.get("LPE_DEVICE", "cuda").encode(), precision.encode(), err, 4096)
    if not model:
        sys.exit("create: " + err.value.decode())
    for name, t in load_file(str(folder / "model.safetensors")).items():
        t = t.float().contiguous()
        shape = (ctypes.c_int64 * t.dim())(*t.shape)
        if lib.lpe_model_add_tensor(model, name.encode(), shape, t.dim(), t.data_ptr(), err, 4096) != 0:
            sys.exit("add " + name + ": " + err.value.decode())
    if lib.lpe_model_finish(model, err, 4096) != 0:
        sys.exit("finish: " + err.value.decode())
    length = 1 + 32
    if pass_kind:
        profile_pass(lib, model, err, pass_kind, config["vocab_size"], length, batch, layers, precision)
        return
    offsets = torch.tensor([0, 1] + [1 + len(SUPPORT) * (p + 1) for p in range(32)], dtype=torch.int64)
    ids = torch.tensor([0] + SUPPORT * 32, dtype=torch.int32)
    weights = torch.ones(len(ids), dtype=torch.float64)
    counts = torch.zeros(config["vocab_size"], dtype=torch.int64)

    def run(n, first):
        status = lib.lpe_sample_argmax_counts(model, length, offsets.data_ptr(), ids.data_ptr(), weights.data_ptr(), n,
                                              batch, 7, first, counts.data_ptr(), err, 4096)
        if status != 0:
            sys.exit("sample: " + err.value.decode())

    run(2 * batch, 0)  # warm-up: kernels chosen, caches filled
    torch.cuda.synchronize()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]) as prof:
        start = time.perf_counter()
        run(samples, 2 * batch)
        torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    print(f"== {layers} layer(s) {precision} batch {batch}: {samples / seconds:,.0f} seq/s while profiled")
    print_table(prof)


def print_table(prof):
    for key in ("device_time_total", "cuda_time_total"):  # the name changed across PyTorch versions
        try:
            print(prof.key_averages().table(sort_by=key, row_limit=25, max_name_column_width=70))
            break
        except (AttributeError, KeyError, ValueError):
            continue


def profile_pass(lib, model, err, kind, vocab, length, rows, layers, precision):
    lib.lpe_run_estimator_pass.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                                           ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p,
                                           ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p,
                                           ctypes.c_double, ctypes.c_void_p, ctypes.c_void_p] + [ctypes.c_void_p] * 7 + [
                                           ctypes.c_char_p, ctypes.c_int64]
    g = torch.Generator().manual_seed(5)
    tokens = torch.randint(1000, 2000, (rows, length), generator=g, dtype=torch.int32)
    tokens[:, 0] = 0
    targets = torch.randint(0, vocab, (rows,), generator=g, dtype=torch.int32)
    columns = torch.tensor(SUPPORT, dtype=torch.int32)
    k = len(SUPPORT)
    argmax = torch.zeros(rows, dtype=torch.int32)
    target_logits = torch.zeros(rows)
    null = None
    if kind == "itgis":
        groups = (torch.arange(rows) // 256).to(torch.int32)  # one group per target's 256-row ITGIS batch
        n_groups = (rows + 255) // 256
        sums = torch.zeros(n_groups, length, k)
        args = [null, 0, groups.data_ptr(), n_groups, null, 1.0, null, null,
                null, argmax.data_ptr(), target_logits.data_ptr(), null, null, null, sums.data_ptr()]
    else:
        q = 4
        positions = torch.randint(1, length, (rows, q), generator=g, dtype=torch.int32)
        log_priors = torch.full((length, k), -float(torch.log(torch.tensor(float(k)))))
        log_priors[0] = -float("inf")
        uniforms = torch.rand(rows, q, generator=g)
        reverse = torch.randint(0, k, (rows,), generator=g, dtype=torch.int32)
        drawn = torch.zeros(rows, q, dtype=torch.int32)
        drawn_log = torch.zeros(rows, q)
        reverse_log = torch.zeros(rows)
        args = [positions.data_ptr(), q, null, 0, log_priors.data_ptr(), 1.5, uniforms.data_ptr(), reverse.data_ptr(),
                null, argmax.data_ptr(), target_logits.data_ptr(), drawn.data_ptr(), drawn_log.data_ptr(),
                reverse_log.data_ptr(), null]

    def call():
        status = lib.lpe_run_estimator_pass(model, tokens.data_ptr(), rows, length, targets.data_ptr(),
                                            columns.data_ptr(), k, *args, err, 4096)
        if status != 0:
            sys.exit("pass: " + err.value.decode())

    # the pass copies its outputs to the host, so a call ends when its kernels have; this is for the profiler's sake
    synchronize = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    call()
    call()
    synchronize()
    start = time.perf_counter()
    for _ in range(10):
        call()
    seconds = (time.perf_counter() - start) / 10
    print(f"== {kind} pass, {layers} layer(s) {precision}, {rows} rows: {seconds * 1e3:.1f} ms per call, "
          f"{rows / seconds:,.0f} rows/s (unprofiled)")
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]) as prof:
        for _ in range(3):
            call()
        synchronize()
    print_table(prof)


if __name__ == "__main__":
    main()
