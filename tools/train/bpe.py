"""Byte-level BPE tokenizer (Hugging Face tokenizers): vocabulary 8192, digits split into single
characters (as the paper's tokenizer does), a BOS token that starts every document."""
import logging
import random

import numpy as np
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

from errors import RecipeError

log = logging.getLogger("bpe")

BOS = "<|bos|>"
BOS_ID = 0
ROUND_TRIP_FIXED = [
    "def add(a, b):\n    return a + b  # 12345\n",
    "The quick brown fox jumps over the lazy dog. 3.14159 and 2026-11-28.",
    "Unicode: naïve café, 日本語, emoji 🙂, tabs\tand\r\nwindows newlines.",
    "    indented   with  odd   spacing\n\n\n",
]


def train(texts, vocab_size=8192, sample_bytes=64_000_000, seed=0):
    """Trains on a seeded random sample of the documents (at most sample_bytes of text)."""
    rng = random.Random(seed)
    order = list(range(len(texts)))
    rng.shuffle(order)
    sample, size = [], 0
    for i in order:
        if size >= sample_bytes:
            break
        sample.append(texts[i])
        size += len(texts[i])
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[BOS],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(sample, trainer=trainer, length=len(sample))
    tok.post_processor = processors.TemplateProcessing(single=f"{BOS} $A", special_tokens=[(BOS, BOS_ID)])
    if tok.token_to_id(BOS) != BOS_ID or tok.get_vocab_size() != vocab_size:
        raise RecipeError(f"tokenizer: expected {BOS} at id {BOS_ID} and {vocab_size} tokens, got id "
                          f"{tok.token_to_id(BOS)} and {tok.get_vocab_size()} tokens")
    log.info("tokenizer: trained on %d documents (%d chars), vocabulary %d", len(sample), size, tok.get_vocab_size())
    return tok


def check(tok, texts):
    """Stops unless every text round-trips exactly and digits come out one per token."""
    for text in ROUND_TRIP_FIXED + list(texts):
        ids = tok.encode(text, add_special_tokens=False).ids
        back = tok.decode(ids, skip_special_tokens=False)
        if back != text:
            at = next((i for i, (a, b) in enumerate(zip(text, back)) if a != b), min(len(text), len(back)))
            raise RecipeError(f"tokenizer: does not round-trip; first difference at character {at}: "
                              f"{text[max(0, at - 20):at + 20]!r} came back as {back[max(0, at - 20):at + 20]!r}")
    digits = tok.encode("9876543210", add_special_tokens=False).tokens
    if digits != list("9876543210"):
        raise RecipeError(f"tokenizer: digits are not split one per token: {digits}")
    if tok.encode("x").ids[0] != BOS_ID:
        raise RecipeError("tokenizer: encoding with special tokens does not start with BOS")


def encode(tok, texts, chunk=4096):
    """All documents as one uint16 stream, each document preceded by BOS."""
    parts = []
    encode_batch = getattr(tok, "encode_batch_fast", tok.encode_batch)
    for i in range(0, len(texts), chunk):
        for enc in encode_batch(texts[i:i + chunk], add_special_tokens=True):
            parts.append(np.asarray(enc.ids, dtype=np.uint16))
    return np.concatenate(parts)
