"""The driver's embedder registry handed to the Ray actors: an embedder registered on the driver alone (the tests'
fake one, which the tests and the command line register) is then known on every worker too."""

from __future__ import annotations

from core.represent.embedders import EMBEDDERS, EmbedderPlugin, register

Registry = dict[str, EmbedderPlugin]


def driver_embedders() -> Registry:
    """The embedders registered in this (the driver's) process, for the actors' constructors."""
    return dict(EMBEDDERS)


def adopt_embedders(plugins: Registry) -> None:
    """Register in this worker the driver's embedders it does not know yet."""
    for name, plugin in plugins.items():
        if name not in EMBEDDERS:
            register(plugin)
