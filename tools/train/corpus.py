"""Corpus builder: permissively licensed text that is installed on this machine, no network.

Sources (discovered, never downloaded):
  * every installed Python distribution (importlib.metadata) whose declared licence is permissive:
    its source files (code: .py, .pyx, .pxd, .c, .h, .cc, .cpp, .hpp, .cu, .cuh) and its documentation
    (prose: .md, .rst, .txt and the long description in METADATA);
  * the Python standard library (PSF-2.0): its .py files.
A distribution whose licence text names a copyleft or proprietary licence, or names no licence we
recognise, is skipped and logged. Exact duplicate files are kept once. Each document is assigned to the
held-out split by a hash of its content (about 1 in 100), so the split does not depend on file order.
"""
import hashlib
import importlib.metadata
import logging
import os
import re
import sysconfig
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from errors import RecipeError

log = logging.getLogger("corpus")

CODE_SUFFIXES = {".py", ".pyx", ".pxd", ".c", ".h", ".cc", ".cpp", ".hpp", ".cu", ".cuh"}
PROSE_SUFFIXES = {".md", ".rst", ".txt"}
# Files with these name stems are licence/legal or packaging boilerplate, not prose we want.
SKIPPED_STEMS = re.compile(r"^(license|licence|copying|notice|authors|record|top_level|entry_points|"
                           r"requirements.*|dependency_links|sources|installed-files|wheel)$", re.I)
PERMISSIVE = re.compile(r"\b(mit|bsd|apache|psf|python software foundation|isc|zlib|0bsd|unlicense|cc0|"
                        r"hpnd|historical permission|boost|bsl-1\.0|public domain)\b", re.I)
NOT_PERMISSIVE = re.compile(r"(\b[la]?gpl|general public|\bmpl|mozilla|\bepl\b|eclipse|proprietary|commercial|"
                            r"nvidia|\bnc\b|sspl)", re.I)
MAX_FILE_BYTES = 1_000_000
MAX_LINE_CHARS = 1000  # longer lines mean generated data (tables, blobs), not code or prose
HELD_OUT_PER_MILLE = 10


@dataclass
class Source:
    name: str
    version: str
    licence: str
    files: list = field(default_factory=list)  # (path, kind) with kind "code" or "prose"
    prose_texts: list = field(default_factory=list)  # documents that are not files (METADATA descriptions)
    bytes: dict = field(default_factory=lambda: {"code": 0, "prose": 0})
    documents: int = 0


@dataclass
class Corpus:
    sources: list
    train: list  # documents (str)
    held_out: list

    def bytes_by_kind(self):
        total = {"code": 0, "prose": 0}
        for s in self.sources:
            for k in total:
                total[k] += s.bytes[k]
        return total


def licence_of(meta):
    """The licence a distribution declares: SPDX expression, License field or trove classifiers."""
    parts = []
    if meta.get("License-Expression"):
        parts.append(meta["License-Expression"])
    lic = meta.get("License")
    if lic and len(lic) < 200 and lic.strip().upper() not in ("UNKNOWN", ""):
        parts.append(lic.strip())
    for c in meta.get_all("Classifier") or []:
        if c.startswith("License ::"):
            parts.append(c.split("::")[-1].strip())
    return "; ".join(dict.fromkeys(parts))


def is_permissive(licence):
    return bool(licence) and PERMISSIVE.search(licence) is not None and NOT_PERMISSIVE.search(licence) is None


def kind_of(path):
    base = os.path.basename(path)
    stem, suffix = os.path.splitext(base)
    suffix = suffix.lower()
    if suffix in CODE_SUFFIXES:
        return "code"
    if suffix in PROSE_SUFFIXES and not SKIPPED_STEMS.match(stem):
        return "prose"
    return None


def discover_sources():
    """All permissive sources installed here; raises RecipeError when none can be found."""
    sources, skipped = [], []
    seen = set()
    for dist in importlib.metadata.distributions():
        meta = dist.metadata
        name = meta.get("Name")
        if not name or name.lower() in seen:
            continue
        seen.add(name.lower())
        licence = licence_of(meta)
        if not is_permissive(licence):
            skipped.append(f"{name} ({licence or 'no licence declared'})")
            continue
        src = Source(name, meta.get("Version", "?"), licence)
        for f in dist.files or []:
            kind = kind_of(str(f))
            if kind:
                src.files.append((str(dist.locate_file(f)), kind))
        description = meta.get_payload() if hasattr(meta, "get_payload") else None
        if description and description.strip():
            src.prose_texts.append(description)
        if src.files or src.prose_texts:
            sources.append(src)
    stdlib = sysconfig.get_paths()["stdlib"]
    if not os.path.isdir(stdlib):
        raise RecipeError(f"corpus: the Python standard library directory {stdlib} is missing")
    std = Source("python-stdlib", sysconfig.get_python_version(), "PSF-2.0")
    for root, dirs, files in os.walk(stdlib):
        dirs[:] = [d for d in dirs if d not in ("site-packages", "dist-packages", "__pycache__")]
        std.files += [(os.path.join(root, f), "code") for f in files if f.endswith(".py")]
    sources.append(std)
    log.info("corpus: %d permissive sources; %d distributions skipped for their licence: %s",
             len(sources), len(skipped), ", ".join(sorted(skipped)))
    if not any(s.files for s in sources):
        raise RecipeError("corpus: no source files found (no permissive distribution and no standard library)")
    return sources


def acceptable(text):
    return text.strip() != "" and max(map(len, text.splitlines()), default=0) <= MAX_LINE_CHARS


def read_text(path):
    """The file's text, or None when it is too large, not UTF-8 or looks generated. Unreadable -> RecipeError."""
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            return None
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return None  # RECORD lists files a package may have removed since; not an error
    except OSError as e:
        raise RecipeError(f"corpus: cannot read source file {path}: {e}") from e
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if acceptable(text) else None


def build(max_bytes=None, threads=16):
    """Reads every source into train and held-out documents. max_bytes caps the corpus (for quick tests)."""
    sources = discover_sources()
    digests = set()
    train, held_out = [], []
    total = 0
    with ThreadPoolExecutor(threads) as pool:
        for src in sources:
            paths = [p for p, _ in src.files]
            kinds = [k for _, k in src.files] + ["prose"] * len(src.prose_texts)
            texts = list(pool.map(read_text, paths)) + [t if acceptable(t) else None for t in src.prose_texts]
            for text, kind in zip(texts, kinds):
                if text is None:
                    continue
                digest = hashlib.sha1(text.encode("utf-8")).digest()
                if digest in digests:
                    continue
                digests.add(digest)
                n = len(text.encode("utf-8"))
                src.bytes[kind] += n
                src.documents += 1
                total += n
                (held_out if int.from_bytes(digest[:4], "big") % 1000 < HELD_OUT_PER_MILLE else train).append(text)
                if max_bytes and total >= max_bytes:
                    break
            if max_bytes and total >= max_bytes:
                break
    sources = [s for s in sources if s.documents]
    if not train or not held_out:
        raise RecipeError(f"corpus: too little text found ({len(train)} train and {len(held_out)} held-out documents)")
    corpus = Corpus(sources, train, held_out)
    log.info("corpus: %d train + %d held-out documents, %s bytes by kind, %d sources",
             len(train), len(held_out), corpus.bytes_by_kind(), len(sources))
    return corpus


def sources_table(corpus):
    """Markdown table: source, version, licence, documents, code bytes, prose bytes."""
    rows = ["| source | version | licence | documents | code bytes | prose bytes |",
            "| --- | --- | --- | ---: | ---: | ---: |"]
    for s in sorted(corpus.sources, key=lambda s: -(s.bytes["code"] + s.bytes["prose"])):
        lic = s.licence.replace("|", "/")
        rows.append(f"| {s.name} | {s.version} | {lic} | {s.documents} | {s.bytes['code']} | {s.bytes['prose']} |")
    return "\n".join(rows)
