"""Search a run's customers by what they wrote: words (BM25, jieba words for Chinese) and meaning (text vectors,
cross-lingual through the multilingual embedder), fused into one ranking with the matched words highlighted."""
