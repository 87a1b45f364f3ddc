"""Content-keyed, fixed-shape batches for the fp16 CUDA path: a text's vector does not depend on its company.

On a GPU the arithmetic of a row can depend on the batch's shape (padding length, the cuBLAS kernel chosen for
the matrix sizes), so length-sorted batches give a text a vector that depends on its batch mates. Here:

- each text is padded to :func:`bucket_length` of its own token count (``step`` = 1: its exact count, no pad
  token at all), so its row's tokens and mask are a function of the text alone;
- texts of one bucket length ``L`` go in batches of exactly :func:`rows_for` ``(L)`` rows, a function of ``L``
  only (``rows × L`` stays under a token budget, so 512-token texts do not take 512 × 512 × fp16 activations);
  the last batch of a group is filled with repeats of its own rows, whose results are discarded;
- within a bucket, texts are ordered by their content key (:func:`~core.storage.hashing.text_hash`),
  and duplicate texts are embedded once, so the same set of texts makes the same batches in any input order.

Every forward pass then has one of a fixed set of shapes, and a row's inputs depend only on its text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from core.represent.embedders.base import Progress
from core.storage.hashing import text_hash

if TYPE_CHECKING:
    import torch

#: a text of ``n`` tokens is padded to the next multiple of this (1: exact token count, never a pad token)
LENGTH_STEP = 8
#: tokens per forward pass at most: rows × padded length (512-token texts: 128 rows)
TOKEN_BUDGET = 65_536
#: rows per forward pass at most (short texts)
MAX_ROWS = 512
#: texts per part: part p+1 is tokenised on the worker threads while the GPU runs part p's batches
PART_TEXTS = 65_536
#: texts per tokeniser call
TOKENISE_CHUNK = 256

Features = dict[str, "torch.Tensor"]


def bucket_length(tokens: int, step: int = LENGTH_STEP) -> int:
    """The padded length of a text of ``tokens`` tokens: the next multiple of ``step``."""
    return -(-tokens // step) * step


def rows_for(length: int, budget: int = TOKEN_BUDGET, max_rows: int = MAX_ROWS) -> int:
    """Rows of every batch of padded length ``length``: a function of the length only, ``rows × length ≤ budget``
    (at least one row), a multiple of 8 where it can be (tensor-core friendly)."""
    rows = min(max_rows, max(1, budget // max(length, 1)))
    return rows // 8 * 8 if rows >= 8 else rows


def content_parts(keys: Sequence[str], part_texts: int = PART_TEXTS) -> list[np.ndarray]:
    """Indices of ``keys`` split into ``ceil(n / part_texts)`` parts by their key's hash value, so a text's part
    depends on its key and the number of texts, never on the input order."""
    parts = max(1, -(-len(keys) // part_texts))
    slot = np.array([int(k[:12], 16) % parts for k in keys], dtype=np.int64)
    return [np.flatnonzero(slot == p) for p in range(parts)]


def fixed_batches(lengths: Sequence[int], keys: Sequence[str], step: int = LENGTH_STEP, budget: int = TOKEN_BUDGET,
                  max_rows: int = MAX_ROWS) -> list[tuple[int, np.ndarray, int]]:
    """The batches of texts with token counts ``lengths`` and content keys ``keys``: (padded length, row indices,
    real rows). Each index array has exactly :func:`rows_for` ``(padded length)`` entries; the first ``real rows``
    are distinct texts in key order, the rest repeat them (results to discard)."""
    buckets = np.array([bucket_length(n, step) for n in lengths], dtype=np.int64)
    key_order = np.array(sorted(range(len(keys)), key=lambda i: keys[i]), dtype=np.int64)
    out: list[tuple[int, np.ndarray, int]] = []
    for length in sorted(set(buckets.tolist()), reverse=True):  # longest first: memory peaks early
        group = key_order[buckets[key_order] == length]
        rows = rows_for(length, budget, max_rows)
        for start in range(0, len(group), rows):
            real = group[start : start + rows]
            out.append((length, np.resize(real, rows), len(real)))  # np.resize repeats the rows cyclically
    return out


def unpadded(features: Features) -> list[Features]:
    """Each row of a tokeniser's padded output as its own tensors, its pad positions removed (either side)."""
    mask = features["attention_mask"].bool()
    import torch

    rows = {k: v for k, v in features.items() if isinstance(v, torch.Tensor) and v.dim() == 2}
    return [{k: v[i][mask[i]] for k, v in rows.items()} for i in range(len(mask))]


def assemble(rows: Sequence[Features], length: int, pad_id: int) -> Features:
    """One batch of shape (len(rows), length): each row its tokens then pad (``pad_id``, mask 0, type 0)."""
    import torch
    from torch.nn.utils.rnn import pad_sequence

    out = {}
    for key in rows[0]:
        fill = pad_id if key == "input_ids" else 0
        batch = pad_sequence([row[key] for row in rows], batch_first=True, padding_value=fill)
        out[key] = torch.nn.functional.pad(batch, (0, length - batch.shape[1]), value=fill)
    return out


def encode_fixed(model: Any, texts: Sequence[str], progress: Progress | None = None,
                 workers: int = 1, step: int = LENGTH_STEP, budget: int = TOKEN_BUDGET, max_rows: int = MAX_ROWS,
                 part_texts: int = PART_TEXTS) -> np.ndarray:
    """L2-normalised float32 vectors of ``texts`` (a SentenceTransformer-like ``model``) in content-keyed
    fixed-shape batches (see the module docstring).

    Distinct texts are split into :func:`content_parts`; ``workers`` threads tokenise part p+1 while this thread
    assembles part p's batches, moves them (pinned on CUDA) to the device and runs the model. As
    ``SentenceTransformer.encode`` does: the default prompt, truncation to ``max_seq_length`` (``preprocess``),
    the output cut to ``truncate_dim``. Progress (distinct texts) every 16 batches and at the end."""
    import torch

    keys = [text_hash(t) for t in texts]
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    distinct = list(first.values())  # one row per distinct text, input position of its first copy
    row_of = np.array([first[k] for k in keys], dtype=np.int64)
    cuda = model.device.type == "cuda"
    prompt = model.prompts.get(model.default_prompt_name) if model.default_prompt_name else None
    pad_id = int(model.tokenizer.pad_token_id or 0)
    dim = model.get_embedding_dimension()
    vectors = np.zeros((len(texts), dim), dtype=np.float32)
    parts = content_parts([keys[i] for i in distinct], part_texts)

    def tokenise(part: np.ndarray) -> Callable[[], list[Features]]:
        chunks = [part[s : s + TOKENISE_CHUNK] for s in range(0, len(part), TOKENISE_CHUNK)]
        futures: list[Future[list[Features]]] = [
            pool.submit(lambda c: unpadded(model.preprocess([texts[distinct[i]] for i in c], prompt=prompt)), c)
            for c in chunks]
        return lambda: [row for f in futures for row in f.result()]

    model.eval()
    done, batch_no = 0, 0
    with ThreadPoolExecutor(workers, thread_name_prefix="tokenise") as pool:
        ahead = tokenise(parts[0])
        for p, part in enumerate(parts):
            tokens = ahead()
            if p + 1 < len(parts):
                ahead = tokenise(parts[p + 1])
            lengths = [len(t["input_ids"]) for t in tokens]
            for length, idx, real in fixed_batches(lengths, [keys[distinct[i]] for i in part], step, budget, max_rows):
                host = assemble([tokens[i] for i in idx], length, pad_id)
                features = {k: (v.pin_memory() if cuda else v).to(model.device, non_blocking=cuda)
                            for k, v in host.items()}
                with torch.inference_mode():
                    out = model(features)["sentence_embedding"][:real, :dim]
                    vectors[[distinct[i] for i in part[idx[:real]]]] = (
                        torch.nn.functional.normalize(out.float(), dim=1).cpu().numpy())
                done += real
                batch_no += 1
                if progress and batch_no % 16 == 0:
                    progress(done, len(distinct))
    if progress:
        progress(len(distinct), len(distinct))
    return vectors[row_of]
