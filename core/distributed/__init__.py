"""Segmentation beyond one machine: the same pipeline with embedding and assignment on Ray Data."""
