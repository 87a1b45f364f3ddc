"""Embedding a table's texts ahead of its run, so the run's embed stage finds them in the cache.

The app starts on a table (the bundled demo, or an upload) and the analyst reads the Start, Data and Map pages
before pressing Run; :class:`TextPrefetch` spends that time embedding the texts the run will embed, in a daemon
thread, a chunk at a time through the workspace's :class:`~core.represent.embedding_cache.EmbeddingCache`
(vectors are per text, so a run finds every text the prefetch reached, whatever its order). A run of the same
texts waits for it (:meth:`TextPrefetch.settle`); a run of other texts stops it after the chunk in flight, so
two embeddings never compete for the cores. ``beside(embedder)``, the run's other work on the texts (see
:class:`core.pipeline.TextsAhead`), runs in a second thread while the model embeds: the model's runtime releases
the GIL, so this Python work costs the embedding little, and the run finds it in the stage cache. Errors are left
to the run, which meets and reports them itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from core.errors import CoreError
from core.represent.embedders import EmbedderChoice
from core.represent.embedders.base import Embedder
from core.represent.embedding_cache import EmbeddingCache
from core.represent.text import choose_embedder

CHUNK = 512  # texts per cache write: a stop waits at most this many texts' embedding


class TextPrefetch:
    """Embeds ``texts`` with the embedder ``choice`` names into ``workspace``'s cache in a daemon thread,
    started at once; ``after`` (e.g. waiting for the model's warm-up) runs first in that thread, ``beside`` in a
    thread of its own once the embedder is chosen."""

    def __init__(self, texts: Sequence[str], choice: EmbedderChoice, workspace: Path,
                 after: Callable[[], None] | None = None, chunk: int = CHUNK,
                 beside: Callable[[Embedder], None] | None = None) -> None:
        self.texts = list(texts)
        self.choice = choice
        self.workspace = Path(workspace)
        self.done = 0  # distinct texts in the cache so far
        self._after, self._chunk, self._beside = after, chunk, beside
        self._beside_thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="segment-studio-prefetch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        if self._after is not None:
            self._after()
        distinct = list(dict.fromkeys(self.texts))
        try:
            embedder, _ = choose_embedder(distinct, self.choice)
            if self._beside is not None and not self._stop.is_set():
                self._beside_thread = threading.Thread(target=_run_beside, args=(self._beside, embedder), daemon=True,
                                                       name="segment-studio-prefetch-beside")
                self._beside_thread.start()
            if not embedder.per_text:
                return  # fitted on the whole corpus: nothing can be embedded ahead text by text
            cache = EmbeddingCache(self.workspace)
            for start in range(0, len(distinct), self._chunk):
                if self._stop.is_set():
                    return
                cache.embed(embedder, distinct[start:start + self._chunk])
                self.done = min(start + self._chunk, len(distinct))
        except CoreError:
            return  # the run meets the same error and says so

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, wait: bool = True) -> None:
        """Stop after the chunk in flight (and with ``wait``, wait for it)."""
        self._stop.set()
        if wait:
            self._thread.join()

    def settle(self, texts: Sequence[str], choice: EmbedderChoice) -> bool:
        """Before a run that embeds ``texts`` with ``choice``: wait for this prefetch when it embeds the same
        (returns True), else stop it (False)."""
        same = choice == self.choice and list(texts) == self.texts
        if same:
            self._thread.join()
            if self._beside_thread is not None:
                self._beside_thread.join()
        else:
            self.stop()
        return same


def _run_beside(beside: Callable[[Embedder], None], embedder: Embedder) -> None:
    try:
        beside(embedder)
    except (CoreError, OSError):
        return  # the run computes it itself
