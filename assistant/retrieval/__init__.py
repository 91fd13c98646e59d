"""Retrieval: the embedding model, the Chroma store and hybrid (dense + BM25) search over it."""
