#!/usr/bin/env python3
"""The PyTorch side of `lpe bench engine`: rows/s of the same work DjlEngine does, on the same weights, on CPU.

forward:           last-position logits of [rows, length] token ids (no gradient)
forward+backward:  d (sum_b logit[b, target_b]) / d inputs_embeds
Both compute the final hidden states with transformers and apply the unembedding at the last position only.
Rates are rows / (fastest of the timed batches), after a warm-up batch.
Prints one JSON line: {"forward_rows_per_s": .., "backward_rows_per_s": .., "torch": .., "threads": ..}.

Usage: python tools/bench/bench_torch.py --model DIR [--rows 256] [--length 33] [--iterations 3] [--threads N]
"""
import argparse
import json
import time

import torch
from transformers import AutoModelForCausalLM


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--rows", type=int, default=256)
    p.add_argument("--length", type=int, default=33)
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32).eval().requires_grad_(False)
    unembedding = model.get_output_embeddings().weight
    g = torch.Generator().manual_seed(1)
    tokens = torch.randint(0, model.config.vocab_size, (a.rows, a.length), generator=g)
    targets = torch.randint(0, model.config.vocab_size, (a.rows,), generator=g)

    def forward():
        with torch.no_grad():
            hidden = model.base_model(input_ids=tokens).last_hidden_state[:, -1, :]
            return hidden @ unembedding.T

    def forward_backward():
        embeds = model.get_input_embeddings()(tokens).detach().requires_grad_(True)
        hidden = model.base_model(inputs_embeds=embeds).last_hidden_state[:, -1, :]
        (hidden * unembedding[targets]).sum().backward()
        return embeds.grad

    def rate(step):  # the best of the timed batches: the least disturbed by other load on the machine
        for _ in range(a.warmup):
            step()
        best = float("inf")
        for _ in range(a.iterations):
            start = time.perf_counter()
            step()
            best = min(best, time.perf_counter() - start)
        return a.rows / best

    print(json.dumps({"forward_rows_per_s": rate(forward), "backward_rows_per_s": rate(forward_backward),
                      "torch": torch.__version__, "threads": a.threads}))


if __name__ == "__main__":
    main()
