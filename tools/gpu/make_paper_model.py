"""Writes a random model of the paper's shape as a Hugging Face GPT-2 directory that lpe loads.

  make_paper_model.py OUT_DIR --layers N [--seed S]

OUT_DIR gets config.json (gpt2: d_model 512, 8 heads, d_mlp 2048, vocabulary 48262, 64 positions, exact GELU, untied
unembedding), model.safetensors (fp32) and tokenizer.json (WordLevel over "t0".."t48261", whitespace pre-tokenizer:
lpe's HfVocabulary and the tokenizers library load it; the text is meaningless, ids are what matter).

Weights: N(0, 0.02) everywhere, LayerNorm gains 1 + N(0, 0.02), drawn in the same order and with the same default
seed (1000 + layers) as tools/gpu/bench_torch.py prepare, so the two write identical weights (checked when this was
written: `bench_torch.py prepare` and this script gave equal tensors for 1 layer). About 200 MB for 1 layer and
250 MB for 4: write it under /tmp, never into the repository.
"""
import argparse
import json
import pathlib

import torch
from safetensors.torch import save_file

D, HEADS, D_MLP, VOCAB, POSITIONS = 512, 8, 2048, 48262, 64
# bench_torch.py draws the learned positions for its 33 input positions only; the first 33 rows of ours are those
# rows (same generator order), the other 31 come after every other tensor so as not to shift them.
BENCH_POSITIONS = 33


def paper_weights(g, layers):
    """The paper's random weights drawn from generator g, with BENCH_POSITIONS learned positions; shared with
    bench_torch.py prepare, which goes on drawing its check inputs from the same generator."""
    normal = lambda *shape: torch.randn(*shape, generator=g) * 0.02
    w = {"transformer.wte.weight": normal(VOCAB, D), "transformer.wpe.weight": normal(BENCH_POSITIONS, D),
         "transformer.ln_f.weight": 1 + normal(D), "transformer.ln_f.bias": normal(D), "lm_head.weight": normal(VOCAB, D)}
    for i in range(layers):
        p = f"transformer.h.{i}."
        w.update({p + "ln_1.weight": 1 + normal(D), p + "ln_1.bias": normal(D), p + "ln_2.weight": 1 + normal(D),
                  p + "ln_2.bias": normal(D), p + "attn.c_attn.weight": normal(D, 3 * D),
                  p + "attn.c_attn.bias": normal(3 * D), p + "attn.c_proj.weight": normal(D, D),
                  p + "attn.c_proj.bias": normal(D), p + "mlp.c_fc.weight": normal(D, D_MLP),
                  p + "mlp.c_fc.bias": normal(D_MLP), p + "mlp.c_proj.weight": normal(D_MLP, D),
                  p + "mlp.c_proj.bias": normal(D)})
    return w


def weights(layers, seed):
    g = torch.Generator().manual_seed(seed)
    w = paper_weights(g, layers)
    extra = torch.randn(POSITIONS - BENCH_POSITIONS, D, generator=g) * 0.02
    w["transformer.wpe.weight"] = torch.cat([w["transformer.wpe.weight"], extra])
    return {k: v.contiguous() for k, v in w.items()}


def config(layers):
    return {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": VOCAB, "n_embd": D,
            "n_layer": layers, "n_head": HEADS, "n_inner": D_MLP, "n_positions": POSITIONS, "n_ctx": POSITIONS,
            "layer_norm_epsilon": 1e-5, "activation_function": "gelu", "tie_word_embeddings": False,
            "bos_token_id": 0, "eos_token_id": 0}


def tokenizer():
    from tokenizers import Tokenizer  # here, so that bench_torch.py can import paper_weights without tokenizers
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import WhitespaceSplit

    t = Tokenizer(WordLevel({f"t{i}": i for i in range(VOCAB)}, unk_token="t0"))
    t.pre_tokenizer = WhitespaceSplit()
    return t


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=pathlib.Path)
    parser.add_argument("--layers", type=int, required=True)
    parser.add_argument("--seed", type=int, help="weight seed (default 1000 + layers, as bench_torch.py)")
    args = parser.parse_args()
    if args.layers < 1:
        parser.error(f"--layers must be at least 1, got {args.layers}")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    seed = 1000 + args.layers if args.seed is None else args.seed
    save_file(weights(args.layers, seed), str(args.out_dir / "model.safetensors"))
    (args.out_dir / "config.json").write_text(json.dumps(config(args.layers), indent=1))
    tokenizer().save(str(args.out_dir / "tokenizer.json"))
    print(f"{args.out_dir}: {args.layers} layer(s), seed {seed}")


if __name__ == "__main__":
    main()
