"""Profiles the native engine's device-side ground-truth loop with PyTorch's profiler (the library is loaded into this
Python process through ctypes and uses this process's libtorch, so its kernels are what the profiler sees).

  python3 tools/gpu/profile_native.py LIB DIR LAYERS PRECISION [SAMPLES] [BATCH]

DIR is a model folder written by `tools/gpu/bench_torch.py prepare DIR LAYERS`. Prints the CUDA kernels by total time
and the throughput of the profiled run (profiling slows it; the benchmark numbers come from bench_torch/NativeBench).
"""
import ctypes
import json
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
    samples = int(sys.argv[5]) if len(sys.argv) > 5 else 262144
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
    model = lib.lpe_model_create(config_text(config), b"cuda", precision.encode(), err, 4096)
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
    for key in ("device_time_total", "cuda_time_total"):  # the name changed across PyTorch versions
        try:
            print(prof.key_averages().table(sort_by=key, row_limit=25, max_name_column_width=70))
            break
        except (AttributeError, KeyError, ValueError):
            continue


if __name__ == "__main__":
    main()
