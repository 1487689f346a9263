"""Core layer of search: segmentation, the query language and builder, snippets (pure, no I/O)."""
