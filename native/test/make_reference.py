"""Writes the native engine's test fixtures: tiny random gpt2 and gpt_neox checkpoints (saved by Hugging Face
transformers) and, for them and for shared/models/stories260K, reference outputs computed by transformers itself:
last-position logits, final-norm activations, and d logit[target] / d input embeddings.

Run from the repository root, with a Python that has torch and transformers:  python3 native/test/make_reference.py
"""
import json
import pathlib

import numpy as np
import torch
from transformers import (AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel, GPTNeoXConfig,
                          GPTNeoXForCausalLM)

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "server/src/test/resources/lpe/engine/native"
SHARED = ROOT.parent / "shared"


def perturbed(model, seed):
    """Random weights, with LayerNorm gains and biases moved off 1 and 0 so that they matter."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model.eval()


def reference(model, vocab, rows, length, seed, first_token=None):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, vocab, (rows, length))
    if first_token is not None:
        tokens[:, 0] = first_token
    targets = rng.integers(0, vocab, rows)
    ids = torch.tensor(tokens)
    emb = model.get_input_embeddings()(ids).detach().requires_grad_(True)
    out = model(inputs_embeds=emb, output_hidden_states=True)
    logits = out.logits[:, -1]
    logits.gather(1, torch.tensor(targets)[:, None]).sum().backward()
    return {
        "tokens": tokens.tolist(),
        "targets": targets.tolist(),
        "logits": logits.detach().tolist(),
        "activations": out.hidden_states[-1][:, -1].detach().tolist(),
        "gradients": emb.grad.tolist(),
    }


def save(name, model, vocab, rows, length, seed, first_token=None):
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    if name != "stories260K":
        model.save_pretrained(folder, safe_serialization=True)
        (folder / "generation_config.json").unlink(missing_ok=True)
    ref = reference(model, vocab, rows, length, seed, first_token)
    (folder / "reference.json").write_text(json.dumps(ref))
    print(name, "written to", folder)


def main():
    torch.set_default_dtype(torch.float32)
    save("stories260K", AutoModelForCausalLM.from_pretrained(SHARED / "models/stories260K", dtype=torch.float32).eval(),
         512, rows=4, length=12, seed=1, first_token=1)
    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=97, n_embd=32, n_layer=2, n_head=4, n_positions=16,
                                      activation_function="gelu_new", tie_word_embeddings=False,
                                      bos_token_id=0, eos_token_id=0))
    save("gpt2-tiny", perturbed(gpt2, 2), 97, rows=4, length=9, seed=2)
    neox = GPTNeoXForCausalLM(GPTNeoXConfig(vocab_size=97, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                            intermediate_size=64, max_position_embeddings=16, use_parallel_residual=True,
                                            tie_word_embeddings=False, bos_token_id=0, eos_token_id=0,
                                            rope_parameters={"rope_type": "default", "rope_theta": 10000.0,
                                                             "partial_rotary_factor": 0.5}))
    save("gpt_neox-tiny", perturbed(neox, 3), 97, rows=4, length=9, seed=3)


if __name__ == "__main__":
    main()
