"""Bad-input tests of the recipe (CPU, about a minute):

    python3 -m unittest discover -s tools/train -p 'test_*.py'
"""
import os
import sys
import tempfile
import unittest
from unittest import mock

import numpy as np
import torch
from tokenizers import Tokenizer, normalizers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402
import corpus  # noqa: E402
import recipe  # noqa: E402
import train  # noqa: E402
from errors import RecipeError  # noqa: E402


class CorpusTest(unittest.TestCase):

    def test_unreadable_source_stops_naming_the_file(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(RecipeError, r"^corpus: cannot read source file " + d):
                corpus.read_text(d)  # a directory where a file was listed

    def test_missing_standard_library_stops(self):
        with mock.patch.object(corpus.sysconfig, "get_paths", return_value={"stdlib": "/nonexistent/lib"}):
            with self.assertRaisesRegex(RecipeError, r"^corpus: the Python standard library directory "
                                                     r"/nonexistent/lib is missing"):
                corpus.discover_sources()

    def test_licences(self):
        self.assertTrue(corpus.is_permissive("BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0"))
        self.assertTrue(corpus.is_permissive("Apache Software License"))
        self.assertFalse(corpus.is_permissive("MPL-2.0 AND MIT"))
        self.assertFalse(corpus.is_permissive("LGPL-2.1-or-later"))
        self.assertFalse(corpus.is_permissive("LicenseRef-NVIDIA-Proprietary"))
        self.assertFalse(corpus.is_permissive(""))


class TokenizerTest(unittest.TestCase):

    def test_tokenizer_that_does_not_round_trip_stops(self):
        tok = bpe.train(["Hello World 123\n" * 50, "def f(x):\n    return x\n" * 50], vocab_size=270)
        bpe.check(tok, ["Some Text 42"])  # the real tokenizer passes
        broken = Tokenizer.from_str(tok.to_str())
        broken.normalizer = normalizers.Lowercase()
        with self.assertRaisesRegex(RecipeError, r"^tokenizer: does not round-trip; first difference at character"):
            bpe.check(broken, [])


class TrainTest(unittest.TestCase):

    def test_nan_loss_stops_naming_the_step(self):
        stream = np.random.default_rng(0).integers(1, 8192, 5000).astype(np.uint16)
        with self.assertRaisesRegex(RecipeError, r"^train: loss is not finite at step 10 for the \[1\]-layer model"):
            train.train([1], stream, stream, torch.device("cpu"), batch=1, peak_lr=1e30, warmup=2,
                        max_steps=20, eval_windows=2)


class RecipeTest(unittest.TestCase):

    def test_failure_while_writing_leaves_nothing_in_out(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "models")

            def write_then_fail(stage, name, *args):
                os.makedirs(os.path.join(stage, name))
                open(os.path.join(stage, name, "config.json"), "w").close()
                raise RecipeError("save: injected failure")

            args = recipe.parse_args(["--out", out, "--layers", "1", "--max-bytes", "2000000", "--min-tokens", "0",
                                      "--tokenizer-sample-bytes", "2000000", "--batch", "1", "--max-steps", "2",
                                      "--warmup", "1", "--eval-windows", "2"])
            with mock.patch.object(recipe, "write_model", write_then_fail):
                with self.assertRaisesRegex(RecipeError, "^save: injected failure"):
                    recipe.run(args)
            self.assertEqual([], os.listdir(d))

    def test_too_few_tokens_stops(self):
        with tempfile.TemporaryDirectory() as d:
            args = recipe.parse_args(["--out", os.path.join(d, "m"), "--max-bytes", "2000000",
                                      "--tokenizer-sample-bytes", "2000000"])
            with self.assertRaisesRegex(RecipeError, r"^corpus: only \d+ tokens, fewer than the 100000000 required"):
                recipe.run(args)
            self.assertEqual([], os.listdir(d))


if __name__ == "__main__":
    unittest.main()
