"""Model cards (README.md), loss-curve PNGs and the corpus page."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import corpus as corpus_mod  # noqa: E402


def plot(path, name, history, index):
    tokens_per_step = history["tokens_per_model"] / history["steps"]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=80)
    ax.plot([s * tokens_per_step / 1e6 for s in history["step"]], history["train"][index], lw=1, label="train (batch)")
    ax.plot([s * tokens_per_step / 1e6 for s in history["eval_step"]], history["eval"][index], "o-",
            label="held-out")
    ax.set_xlabel("tokens seen (millions)")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.set_title(name)
    ax.set_ylim(top=min(10, max(history["train"][index]) + 0.5))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write(path, name, cfg, history, index, final_loss, sample_loss, samples, info):
    lines = [
        f"# {name}",
        "",
        f"A {cfg.n_layer}-layer GELU transformer trained by lpe's recipe (`tools/train/run.sh`), in Hugging Face "
        "GPT-2 layout: d_model 256, 4 heads of 64, d_mlp 1024, context 256, learned positions, pre-LayerNorm, "
        "exact GELU (`activation_function: gelu`), untied unembedding, fp16 weights. Tokenizer: byte-level BPE, "
        "vocabulary 8192, digits split into single characters, `<|bos|>` (id 0) starts every document.",
        "",
        "## Training",
        "",
        f"- Corpus: Python source and documentation of permissively licensed packages installed on the training "
        f"machine plus the Python standard library (see ../CORPUS.md): {info['train_tokens']:,} train tokens, "
        f"{info['held_out_tokens']:,} held-out tokens; {info['code_bytes']:,} bytes of code and "
        f"{info['prose_bytes']:,} bytes of prose from {info['sources']} sources.",
        f"- Tokens seen: {history['tokens_per_model']:,} ({history['steps']} steps of "
        f"{history['tokens_per_model'] // history['steps']:,} tokens), AdamW (betas 0.9/0.95, weight decay 0.1), "
        f"peak learning rate 2e-3, {history['warmup']} warm-up steps then cosine to 10%, gradient clipping 1.0, bf16 autocast, seed 0.",
        f"- Final held-out loss: **{final_loss:.4f}** nats/token (mean over {history['eval_windows']} fixed held-out "
        "windows of 256 predictions, float32 maths on the saved fp16 weights).",
        f"- Fixed held-out sample (`heldout_sample.json`, used by lpe's tests): loss **{sample_loss:.4f}** "
        "(definition in the file).",
        "",
        "![loss curve](loss.png)",
        "",
        "## Greedy samples",
        "",
    ]
    for prompt, text in samples:
        lines += [f"Prompt {prompt!r}:", "", "```", text, "```", ""]
    with open(path, "w") as fh:
        fh.write("\n".join(lines))


def corpus_page(c, info):
    return "\n".join([
        "# Training corpus of the bundled models",
        "",
        "Built by `tools/train/corpus.py` from what was installed on the training machine (no network): every "
        "Python distribution whose declared licence is permissive (its code files and documentation, including "
        "the long description in its METADATA) and the Python standard library. Distributions with copyleft, "
        "proprietary or undeclared licences were skipped. Exact duplicates were kept once; about 1% of documents, "
        "chosen by a hash of their content, form the held-out split.",
        "",
        f"Totals: {info['train_documents']:,} train and {info['held_out_documents']:,} held-out documents; "
        f"{info['train_tokens']:,} train and {info['held_out_tokens']:,} held-out tokens; {info['code_bytes']:,} "
        f"bytes of code and {info['prose_bytes']:,} bytes of prose.",
        "",
        corpus_mod.sources_table(c),
        "",
    ])
