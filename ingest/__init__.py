"""Ingest: load clinic articles, clean and chunk them, and index them in the vector store."""
