"""Text embedders, one module each, behind :class:`~core.represent.embedders.base.Embedder`.

Each import below registers one (see :mod:`core.represent.embedders.base`)."""

from core.represent.embedders import lexical, model, multilingual  # noqa: F401  (the registry: one line per embedder)
from core.represent.embedders.base import EMBEDDERS, EmbedderPlugin, embedder_names, register
from core.represent.embedders.choice import EmbedderChoice

__all__ = ["EMBEDDERS", "EmbedderChoice", "EmbedderPlugin", "embedder_names", "register"]
