"""The whole recipe in one command: corpus -> tokenizer -> three models -> model directories with cards.

    python3 tools/train/recipe.py --out models

Everything is written to a staging directory beside --out and moved into place only at the end, so a failed
step (its message names the step) leaves nothing half-written in --out.
"""
import argparse
import json
import logging
import os
import shutil
import sys
import time

import numpy as np
import torch
from transformers import GPT2LMHeadModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402
import card  # noqa: E402
import corpus  # noqa: E402
import train  # noqa: E402
from errors import RecipeError  # noqa: E402

log = logging.getLogger("recipe")

SAMPLE_ROWS = 16
SAMPLE_POSITIONS = list(range(15, 256, 16))  # predict token t from tokens[0:t]; cheap for last-position engines
PROMPTS = ["def fibonacci(n):\n", "import numpy as np\n\n", "The following example shows how to",
           "class Tensor:\n    \"\"\"", "# Licensed under the Apache License"]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="directory that receives gelu-1l, gelu-2l, gelu-4l and CORPUS.md")
    p.add_argument("--layers", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--min-tokens", type=int, default=100_000_000, help="stop unless the corpus has this many tokens")
    p.add_argument("--max-bytes", type=int, default=None, help="cap the corpus (quick local tests only)")
    p.add_argument("--tokenizer-sample-bytes", type=int, default=64_000_000)
    p.add_argument("--batch", type=int, default=256, help="sequences of 256 tokens per step")
    p.add_argument("--max-steps", type=int, default=6000)
    p.add_argument("--warmup", type=int, default=100, help="linear learning-rate warm-up steps")
    p.add_argument("--budget-s", type=float, default=300.0, help="training time for all models together")
    p.add_argument("--eval-windows", type=int, default=512)
    return p.parse_args(argv)


def held_out_sample(model, held_out, device):
    """16 fixed held-out rows of 256 tokens and the fp32 loss of each SAMPLE_POSITIONS prediction."""
    starts = np.linspace(0, len(held_out) - 257, SAMPLE_ROWS).astype(np.int64)
    rows = np.stack([held_out[s:s + 256] for s in starts]).astype(np.int64)
    with torch.no_grad():
        logits = model(torch.from_numpy(rows).to(device)).logits.float()
        logp = torch.log_softmax(logits, dim=-1)
    losses = [[-logp[r, t - 1, rows[r, t]].item() for t in SAMPLE_POSITIONS] for r in range(SAMPLE_ROWS)]
    return {"tokens": rows.tolist(), "positions": SAMPLE_POSITIONS, "loss_per_position": losses,
            "loss": float(np.mean(losses)),
            "definition": "mean over rows r and positions t of -log softmax(logits(tokens[r][0:t]))[tokens[r][t]], "
                          "computed by PyTorch in float32 from the fp16 weights in model.safetensors"}


def greedy(model, tok, prompt, device, new_tokens=40):
    ids = tok.encode(prompt).ids
    with torch.no_grad():
        for _ in range(new_tokens):
            logits = model(torch.tensor([ids[-256:]], device=device)).logits[0, -1]
            ids.append(int(logits.argmax()))
    return tok.decode(ids, skip_special_tokens=True)


def write_model(stage, name, model, tok, held_out, eval_starts, history, index, corpus_info, device):
    d = os.path.join(stage, name)
    os.makedirs(d)
    model.to(torch.float16).save_pretrained(d)
    tok.save(os.path.join(d, "tokenizer.json"))
    with open(os.path.join(d, "tokenizer_config.json"), "w") as fh:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": bpe.BOS, "eos_token": bpe.BOS,
                   "model_max_length": 256}, fh, indent=2)
    saved = GPT2LMHeadModel.from_pretrained(d, dtype=torch.float32).to(device).eval()
    if torch.equal(saved.lm_head.weight, saved.transformer.wte.weight):
        raise RecipeError(f"save: {name} has a tied unembedding; expected untied")
    held_t = torch.from_numpy(held_out.astype(np.int32)).to(device)
    with torch.no_grad():
        final = 0.0
        for i in range(0, len(eval_starts), 64):
            rows = train.windows(held_t, eval_starts[i:i + 64], 257)
            final += train.batch_loss(saved, rows).item() * len(rows)
        final /= len(eval_starts)
    sample = held_out_sample(saved, held_out, device)
    with open(os.path.join(d, "heldout_sample.json"), "w") as fh:
        json.dump(sample, fh)
    samples = [(p, greedy(saved, tok, p, device)) for p in PROMPTS]
    card.plot(os.path.join(d, "loss.png"), name, history, index)
    card.write(os.path.join(d, "README.md"), name, saved.config, history, index, final, sample["loss"], samples,
               corpus_info)
    log.info("save: %s held-out loss %.4f (fp16 weights, fp32 maths), fixed-sample loss %.4f", name, final,
             sample["loss"])


def run(args):
    t0 = time.time()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    out = os.path.abspath(args.out)
    c = corpus.build(max_bytes=args.max_bytes)
    log.info("corpus: built in %.0fs", time.time() - t0)
    tok = bpe.train(c.train, sample_bytes=args.tokenizer_sample_bytes, seed=args.seed)
    bpe.check(tok, c.held_out[:200])
    train_stream = bpe.encode(tok, c.train)
    held_stream = bpe.encode(tok, c.held_out)
    tokens = len(train_stream) + len(held_stream)
    log.info("tokenizer: %d train + %d held-out tokens (%.0fs so far)", len(train_stream), len(held_stream),
             time.time() - t0)
    if tokens < args.min_tokens:
        raise RecipeError(f"corpus: only {tokens} tokens, fewer than the {args.min_tokens} required")
    kinds = c.bytes_by_kind()
    corpus_info = {"train_tokens": len(train_stream), "held_out_tokens": len(held_stream),
                   "train_documents": len(c.train), "held_out_documents": len(c.held_out),
                   "code_bytes": kinds["code"], "prose_bytes": kinds["prose"], "sources": len(c.sources)}
    models, history = train.train(args.layers, train_stream, held_stream, device, seed=args.seed, batch=args.batch,
                                  warmup=args.warmup, max_steps=args.max_steps, budget_s=args.budget_s, eval_windows=args.eval_windows)
    stage = out + f".staging-{os.getpid()}"
    os.makedirs(stage)
    try:
        eval_starts = torch.linspace(0, len(held_stream) - 258, args.eval_windows, device=device).long()
        for i, (layers, model) in enumerate(zip(args.layers, models)):
            write_model(stage, f"gelu-{layers}l", model, tok, held_stream, eval_starts, history, i, corpus_info,
                        device)
        with open(os.path.join(stage, "CORPUS.md"), "w") as fh:
            fh.write(card.corpus_page(c, corpus_info))
        os.makedirs(out, exist_ok=True)
        for name in sorted(os.listdir(stage)):
            target = os.path.join(out, name)
            if os.path.isdir(target):
                shutil.rmtree(target)
            elif os.path.exists(target):
                os.remove(target)
            os.rename(os.path.join(stage, name), target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    log.info("done in %.0fs: %s", time.time() - t0, sorted(os.listdir(out)))


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stdout)
    try:
        run(parse_args(argv))
    except RecipeError as e:
        log.error("stopped: %s", e)
        sys.exit(1)


if __name__ == "__main__":
    main()
