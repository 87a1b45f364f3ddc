"""Test fixtures the command line can use too: a deterministic fake embedder and planted data."""
