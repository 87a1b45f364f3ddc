"""Recommendations per segment and per customer, and their honest evaluation."""
