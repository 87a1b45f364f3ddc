"""Describing customers as vectors: text embedders, the embedding cache, feature blocks, behaviour."""
