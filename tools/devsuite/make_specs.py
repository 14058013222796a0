#!/usr/bin/env python3
"""Writes the development suite's distribution specs (server/src/main/resources/devsuite/*.spec.json) from a bundled
model's tokenizer.json: a constant prefix, then varying positions whose tokens are the first merges (BPE merge order
is corpus frequency order) matching a rule, with Zipf weights 1/rank^s. Run from the repository root:

    python3 tools/devsuite/make_specs.py

The specs are the suite's definition; this script only records how they were chosen. The prefix is tokenized by
greedy longest match over the vocabulary (a valid token sequence, not necessarily the tokenizer's own).
"""
import json
import re

VOCAB = json.load(open("models/gelu-1l/tokenizer.json", encoding="utf-8"))["model"]["vocab"]
BY_ID = sorted(VOCAB.items(), key=lambda kv: kv[1])
PUNCT = ["(", ".", ",", ")", ":", "[", "_", "Ġ=", "),", "])", "Ġ(", "):", "Ġ+", "Ġ-", "Ġ*"]


def greedy(text):
    text = text.replace(" ", "Ġ").replace("\n", "Ċ")
    ids = []
    while text:
        for n in range(len(text), 0, -1):
            if text[:n] in VOCAB:
                ids.append(VOCAB[text[:n]])
                text = text[n:]
                break
        else:
            raise ValueError("no token for " + text)
    return ids


def merges(rule, count):
    """The first `count` merged tokens (ids >= 257) whose text matches `rule`, in merge order."""
    return [i for s, i in BY_ID if i >= 257 and re.fullmatch(rule, s)][:count]


def zipf(n, s):
    return [round(1 / (k + 1) ** s, 8) for k in range(n)]


def position(ids, s):
    return {"ids": ids, "weights": zipf(len(ids), s)}


def spec(name, prefix, varying):
    positions = [{"id": 0}] + [{"id": i} for i in greedy(prefix)] + varying
    return {"name": name, "positions": positions}


def code(name, sizes, s):
    names, punct = merges(r"[a-z_]{3,}", 64), [VOCAB[t] for t in PUNCT]
    kinds = [names, punct, names[sizes[0]:], punct]
    return spec(name, "def forward(self, x):\n        return self.",
                [position(kind[:n], s) for kind, n in zip(kinds, sizes)])


def prose(name, sizes, s):
    words = merges(r"Ġ[a-z]{3,}", 128)
    offsets = [0, 16, 32, 48]
    return spec(name, "The following example shows how to",
                [position(words[o:o + n], s) for o, n in zip(offsets, sizes)])


def write(entry):
    with open("server/src/main/resources/devsuite/" + entry["name"] + ".spec.json", "w", encoding="utf-8") as f:
        json.dump(entry, f, indent=None, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    write(code("code-mini", [8, 6, 6, 5], 2.0))
    write(code("code", [12, 10, 8, 8], 2.0))
    write(prose("prose", [12, 10, 8, 8], 2.0))
