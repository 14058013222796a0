"""Trains the paper's model family at width 256 (Hugging Face GPT-2 layout): learned positions,
pre-LayerNorm, exact GELU, untied unembedding. All models see the same batches, in one loop."""
import logging
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from transformers import GPT2Config, GPT2LMHeadModel

from errors import RecipeError

log = logging.getLogger("train")


def config(layers, vocab_size=8192, d_model=256, heads=4, d_mlp=1024, context=256, bos_id=0):
    return GPT2Config(vocab_size=vocab_size, n_positions=context, n_embd=d_model, n_layer=layers, n_head=heads,
                      n_inner=d_mlp, activation_function="gelu", resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                      layer_norm_epsilon=1e-5, tie_word_embeddings=False, bos_token_id=bos_id, eos_token_id=bos_id)


def windows(stream, starts, length):
    """Rows stream[s : s + length] for each start, on the stream's device, as int64."""
    idx = starts[:, None] + torch.arange(length, device=stream.device)[None, :]
    return stream[idx].long()


def batch_loss(model, rows):
    """Mean next-token cross-entropy over every position of the rows."""
    logits = model(rows[:, :-1]).logits
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), rows[:, 1:].reshape(-1))


@torch.no_grad()
def evaluate(models, held_out, starts, context, batch):
    losses = []
    for model in models:
        model.eval()
        total = 0.0
        for i in range(0, len(starts), batch):
            with torch.autocast(held_out.device.type, dtype=torch.bfloat16, enabled=held_out.is_cuda):
                total += batch_loss(model, windows(held_out, starts[i:i + batch], context + 1)).item() * len(
                    starts[i:i + batch])
        losses.append(total / len(starts))
        model.train()
    return losses


def lr_at(step, total, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train(layer_counts, train_stream, held_out_stream, device, seed=0, batch=256, context=256, peak_lr=2e-3,
          warmup=100, max_steps=4000, budget_s=300.0, eval_windows=512, evals=10, vocab_size=8192):
    """Trains one model per layer count for as many steps as fit budget_s (measured after a few steps, at most
    max_steps). Returns (models, history) where history has train/held-out loss curves and the step count."""
    train_t = torch.from_numpy(train_stream.astype(np.int32)).to(device)
    held_t = torch.from_numpy(held_out_stream.astype(np.int32)).to(device)
    if len(held_t) < context + 2 or len(train_t) < context + 2:
        raise RecipeError(f"train: streams too short ({len(train_t)} train, {len(held_t)} held-out tokens)")
    eval_starts = torch.linspace(0, len(held_t) - context - 2, eval_windows, device=device).long()
    models, optimizers = [], []
    for layers in layer_counts:
        torch.manual_seed(seed + layers)
        model = GPT2LMHeadModel(config(layers, vocab_size=vocab_size, context=context)).to(device)
        decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
        no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                                lr=peak_lr, betas=(0.9, 0.95), fused=device.type == "cuda")
        models.append(model)
        optimizers.append(opt)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    history = {"step": [], "train": [[] for _ in models], "eval_step": [], "eval": [[] for _ in models]}
    total_steps, timed_from, step = max_steps, None, 0
    eval_every = None
    start = time.time()
    while step < total_steps:
        starts = torch.randint(0, len(train_t) - context - 1, (batch,), generator=gen).to(device)
        rows = windows(train_t, starts, context + 1)
        losses = []
        for model, opt in zip(models, optimizers):
            for g in opt.param_groups:
                g["lr"] = lr_at(step, total_steps, peak_lr, warmup)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                loss = batch_loss(model, rows)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            losses.append(loss.detach())
        step += 1
        if step == 5:
            if device.type == "cuda":
                torch.cuda.synchronize()
            timed_from = time.time()
        if step == 25:
            if device.type == "cuda":
                torch.cuda.synchronize()
            per_step = (time.time() - timed_from) / 20
            total_steps = max(warmup + 1, min(max_steps, int(budget_s / per_step)))
            eval_every = max(1, total_steps // evals)
            log.info("train: %.1f ms per step for %s layers together; planned %d steps (%d tokens per model)",
                     per_step * 1000, layer_counts, total_steps, total_steps * batch * context)
        if step % 10 == 0 or step == total_steps:
            values = torch.stack(losses).float().cpu().tolist()
            if not all(math.isfinite(v) for v in values):
                bad = [layer_counts[i] for i, v in enumerate(values) if not math.isfinite(v)]
                raise RecipeError(f"train: loss is not finite at step {step} for the {bad}-layer model(s): {values}")
            history["step"].append(step)
            for i, v in enumerate(values):
                history["train"][i].append(v)
        if (eval_every and step % eval_every == 0) or step == total_steps:
            held = evaluate(models, held_t, eval_starts, context, batch)
            history["eval_step"].append(step)
            for i, v in enumerate(held):
                history["eval"][i].append(v)
            log.info("train: step %d/%d  %.0fs  train %s  held-out %s", step, total_steps, time.time() - start,
                     " ".join(f"{v.item():.3f}" for v in losses), " ".join(f"{v:.3f}" for v in held))
    history["steps"] = total_steps
    history["warmup"] = warmup
    history["eval_windows"] = eval_windows
    history["tokens_per_model"] = total_steps * batch * context
    history["seconds"] = time.time() - start
    return models, history
