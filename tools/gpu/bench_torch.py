"""The PyTorch side of the GPU benchmark (tools/gpu/run.sh), and the shared setup of both sides.

  prepare DIR LAYERS   writes DIR/{config.json, model.safetensors} (random weights of the paper's GELU transformer,
                       Hugging Face gpt2 layout with an untied unembedding) and DIR/agreement.i32 (65536 inputs)
  bench DIR LAYERS SAMPLES BATCH
                       a tuned PyTorch ground-truth loop (last layer only at the last position, fused attention,
                       argmax counted on the device) at fp32, tf32 and bf16: sequences per second, plus its argmaxes
                       on the agreement inputs (DIR/torch-<precision>.i32); prints one JSON object per precision;
                       with LPE_BENCH_COMPILE=1 also bf16 through torch.compile

Inputs: token 0, then 32 positions each uniform over the ids 1000..1999.
"""
import json
import os
import math
import pathlib
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from make_paper_model import paper_weights

D, HEADS, D_MLP, VOCAB, LENGTH = 512, 8, 2048, 48262, 33
FIRST, SUPPORT = 0, torch.arange(1000, 2000)
AGREEMENT_ROWS = int(os.environ.get("LPE_BENCH_ROWS", 65536))
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"  # cpu only to smoke-test this script
PEAK_TFLOPS = {"fp32": 67.0, "tf32": 494.7, "bf16": 989.4}  # H100/H200 SXM dense datasheet figures


def flops_per_sequence(layers):
    """Multiply-adds x 2 of the computation both engines do: full layers, then the last layer's keys/values for every
    position but queries, attention output and MLP for the last position only, then one unembedding row."""
    t = LENGTH
    full = t * (2 * 4 * D * D + 2 * 2 * D * D_MLP) + 2 * 2 * t * t * D // 2
    last = t * 2 * 2 * D * D + (2 * 2 * D * D + 2 * 2 * D * D_MLP) + 2 * 2 * t * D
    return (layers - 1) * full + last + 2 * D * VOCAB


def prepare(folder, layers):
    folder.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(1000 + layers)
    w = paper_weights(g, layers)  # the same draws as make_paper_model.py; the check inputs below come after them
    save_file({k: v.contiguous() for k, v in w.items()}, str(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps({
        "model_type": "gpt2", "vocab_size": VOCAB, "n_embd": D, "n_layer": layers, "n_head": HEADS, "n_positions": LENGTH,
        "n_inner": D_MLP, "layer_norm_epsilon": 1e-5, "activation_function": "gelu", "tie_word_embeddings": False}))
    rows = torch.cat([torch.full((AGREEMENT_ROWS, 1), FIRST),
                      SUPPORT[torch.randint(0, len(SUPPORT), (AGREEMENT_ROWS, LENGTH - 1), generator=g)]], 1)
    rows.to(torch.int32).numpy().tofile(folder / "agreement.i32")


class Tuned:
    """The same computation written directly in PyTorch, as fast as plain PyTorch gets it."""

    def __init__(self, folder, layers, dtype):
        w = {k: v.to(DEVICE, dtype) for k, v in load_file(str(folder / "model.safetensors")).items()}
        self.layers, self.dtype = layers, dtype
        self.wte, self.wpe = w["transformer.wte.weight"], w["transformer.wpe.weight"]
        self.lnf = (w["transformer.ln_f.weight"], w["transformer.ln_f.bias"])
        self.unembed = w["lm_head.weight"].contiguous()
        self.blocks = []
        for i in range(layers):
            p = f"transformer.h.{i}."
            qkv = w[p + "attn.c_attn.weight"].t().contiguous()
            self.blocks.append(dict(
                ln1=(w[p + "ln_1.weight"], w[p + "ln_1.bias"]), ln2=(w[p + "ln_2.weight"], w[p + "ln_2.bias"]),
                qkv=(qkv, w[p + "attn.c_attn.bias"]), q=(qkv[:D].contiguous(), w[p + "attn.c_attn.bias"][:D]),
                kv=(qkv[D:].contiguous(), w[p + "attn.c_attn.bias"][D:]),
                o=(w[p + "attn.c_proj.weight"].t().contiguous(), w[p + "attn.c_proj.bias"]),
                fc=(w[p + "mlp.c_fc.weight"].t().contiguous(), w[p + "mlp.c_fc.bias"]),
                proj=(w[p + "mlp.c_proj.weight"].t().contiguous(), w[p + "mlp.c_proj.bias"])))

    @staticmethod
    def heads(x):
        b, t, _ = x.shape
        return x.view(b, t, HEADS, D // HEADS).transpose(1, 2)

    def mlp(self, blk, x):
        return F.linear(F.gelu(F.linear(F.layer_norm(x, (D,), *blk["ln2"], 1e-5), *blk["fc"])), *blk["proj"])

    @torch.no_grad()
    def argmax(self, tokens):
        b, t = tokens.shape
        x = self.wte[tokens] + self.wpe[:t]
        for i, blk in enumerate(self.blocks):
            h = F.layer_norm(x, (D,), *blk["ln1"], 1e-5)
            if i < self.layers - 1:
                q, k, v = F.linear(h, *blk["qkv"]).split(D, -1)
                o = F.scaled_dot_product_attention(self.heads(q), self.heads(k), self.heads(v), is_causal=True)
                x = x + F.linear(o.transpose(1, 2).reshape(b, t, D), *blk["o"])
            else:
                k, v = F.linear(h, *blk["kv"]).split(D, -1)
                q = F.linear(h[:, -1:], *blk["q"])
                o = F.scaled_dot_product_attention(self.heads(q), self.heads(k), self.heads(v))
                x = x[:, -1:] + F.linear(o.transpose(1, 2).reshape(b, 1, D), *blk["o"])
            x = x + self.mlp(blk, x)
        x = F.layer_norm(x[:, -1], (D,), *self.lnf, 1e-5)
        return F.linear(x, self.unembed).argmax(-1)

    def ground_truth(self, samples, batch, seed, argmax=None):
        argmax = argmax or self.argmax
        g = torch.Generator(device=DEVICE).manual_seed(seed)
        support = SUPPORT.to(DEVICE)
        first = torch.full((batch, 1), FIRST, device=DEVICE)
        counts = torch.zeros(VOCAB, dtype=torch.int64, device=DEVICE)
        for _ in range(samples // batch):
            idx = torch.randint(0, len(support), (batch, LENGTH - 1), device=DEVICE, generator=g)
            am = argmax(torch.cat([first, support[idx]], 1))
            counts += torch.bincount(am, minlength=VOCAB)
        return counts.cpu()


def set_precision(precision):
    torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
    torch.backends.cudnn.allow_tf32 = precision == "tf32"


def bench(folder, layers, samples, batch):
    rows = torch.from_numpy(np.fromfile(folder / "agreement.i32", dtype=np.int32).reshape(-1, LENGTH)).long().to(DEVICE)
    reference = None
    for precision in ["fp32", "tf32", "bf16"]:
        set_precision(precision)
        model = Tuned(folder, layers, torch.bfloat16 if precision == "bf16" else torch.float32)
        am = torch.cat([model.argmax(rows[i:i + 8192]) for i in range(0, len(rows), 8192)])
        am.to(torch.int32).cpu().numpy().tofile(folder / f"torch-{precision}.i32")
        reference = am if reference is None else reference
        model.ground_truth(batch * 2, batch, 1)  # warm-up
        if DEVICE == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        counts = model.ground_truth(samples, batch, 2)
        seconds = time.perf_counter() - start
        rate = counts.sum().item() / seconds
        print(json.dumps({"engine": "pytorch", "layers": layers, "precision": precision, "batch": batch,
                          "samples": int(counts.sum()), "seconds": round(seconds, 3), "seq_per_s": round(rate),
                          "argmax_agreement_with_fp32": round((am == reference).float().mean().item(), 5),
                          "tflops": round(rate * flops_per_sequence(layers) / 1e12, 2),
                          "fraction_of_peak": round(rate * flops_per_sequence(layers) / 1e12 / PEAK_TFLOPS[precision], 3)}),
              flush=True)
        del model
        if DEVICE == "cuda":
            torch.cuda.empty_cache()
    if os.environ.get("LPE_BENCH_COMPILE") == "1":  # bf16 with torch.compile (the fastest PyTorch figure)
        model = Tuned(folder, layers, torch.bfloat16)
        compiled = torch.compile(model.argmax, dynamic=False)
        am = torch.cat([compiled(rows[i:i + batch]) for i in range(0, len(rows), batch)])
        start = time.perf_counter()
        model.ground_truth(batch * 2, batch, 1, compiled)  # warm-up (compiles for the batch shape)
        if DEVICE == "cuda":
            torch.cuda.synchronize()
        compile_seconds = time.perf_counter() - start
        start = time.perf_counter()
        counts = model.ground_truth(samples, batch, 2, compiled)
        seconds = time.perf_counter() - start
        rate = counts.sum().item() / seconds
        print(json.dumps({"engine": "pytorch+compile", "layers": layers, "precision": "bf16", "batch": batch,
                          "samples": int(counts.sum()), "seconds": round(seconds, 3), "seq_per_s": round(rate),
                          "compile_and_warmup_seconds": round(compile_seconds, 1),
                          "argmax_agreement_with_fp32": round((am == reference).float().mean().item(), 5),
                          "tflops": round(rate * flops_per_sequence(layers) / 1e12, 2),
                          "fraction_of_peak": round(rate * flops_per_sequence(layers) / 1e12 / PEAK_TFLOPS["bf16"], 3)}),
              flush=True)


if __name__ == "__main__":
    command, folder, layers = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3])
    if command == "prepare":
        prepare(folder, layers)
    else:
        bench(folder, layers, int(sys.argv[4]), int(sys.argv[5]))
