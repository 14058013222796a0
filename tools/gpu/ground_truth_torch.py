#!/usr/bin/env python3
"""Ground truth by plain sampling with Hugging Face transformers: an independent reference for lpe's estimates.

Draws N inputs from an independent-token distribution (a JSON dump of lpe's InputDistribution: positions with ids
and probs), runs the model in fp32 (TF32 off), takes the argmax of the last position's logits and counts it per token.

    ground_truth_torch.py MODEL_DIR DIST_JSON SAMPLES BATCH SEED OUT_JSON [MAX_SECONDS]

With MAX_SECONDS it stops after the first batch that ends past that time; the counts then cover the samples done.

The output holds the counts of every token, the number of samples, the seed and the throughput.
"""
import json
import sys
import time

import torch
from transformers import AutoModelForCausalLM


def main(model_dir, dist_json, samples, batch, seed, out, max_seconds=float("inf")):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).to(device).eval()
    positions = json.load(open(dist_json))["positions"]
    ids = [torch.tensor(p["ids"], device=device) for p in positions]
    probs = [torch.tensor(p["probs"], dtype=torch.float64, device=device) for p in positions]
    vocab = model.get_output_embeddings().weight.shape[0]
    counts = torch.zeros(vocab, dtype=torch.int64, device=device)
    generator = torch.Generator(device=device).manual_seed(seed)
    start = time.time()
    done = 0
    with torch.inference_mode():
        while done < samples and time.time() - start < max_seconds:
            n = min(batch, samples - done)
            x = torch.stack([i[torch.multinomial(p, n, replacement=True, generator=generator)] if len(i) > 1
                             else i.expand(n) for i, p in zip(ids, probs)], dim=1)
            hidden = model.base_model(input_ids=x).last_hidden_state[:, -1]
            logits = model.get_output_embeddings()(hidden)
            counts += torch.bincount(logits.argmax(dim=-1), minlength=vocab)
            done += n
    if device == "cuda":
        torch.cuda.synchronize()
    seconds = time.time() - start
    json.dump({"model": model_dir, "dist": dist_json, "samples": done, "seed": seed, "device": device,
               "device_name": torch.cuda.get_device_name() if device == "cuda" else "cpu",
               "torch": torch.__version__, "precision": "fp32 (TF32 off)", "seconds": seconds,
               "sequences_per_second": done / seconds, "counts": counts.tolist()}, open(out, "w"))
    print(f"{done} samples in {seconds:.1f} s ({done / seconds:,.0f}/s) on {device}", file=sys.stderr)


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), a[5], *(float(x) for x in a[6:7]))
