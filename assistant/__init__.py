"""The clinic assistant: settings, embeddings, store, retrieval and answering."""
