#!/usr/bin/env python3
"""Writes a randomly initialised GPT-2-shaped model like the paper's 4-layer model (d_model 512, 8 heads, MLP 2048,
vocabulary 48262, context 1024) into OUT_DIR, with a small WordLevel tokenizer.json (benchmarks feed token ids).

Usage: python tools/bench/make_gpt2_model.py OUT_DIR
"""
import sys

import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import GPT2Config, GPT2LMHeadModel


def main(out):
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=48262, n_embd=512, n_layer=4, n_head=8, n_inner=2048, n_positions=1024,
                        activation_function="gelu_new", bos_token_id=0, eos_token_id=0)
    GPT2LMHeadModel(config).save_pretrained(out, safe_serialization=True)
    words = ["<|endoftext|>"] + [f"w{i}" for i in range(255)]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<|endoftext|>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(f"{out}/tokenizer.json")


if __name__ == "__main__":
    main(sys.argv[1])
