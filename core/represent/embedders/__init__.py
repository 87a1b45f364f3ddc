"""Text embedders, each in its own module, behind the :class:`~core.represent.embedders.base.Embedder` interface."""
