"""Service layer: what the command line, web app and item pipelines share above the stores.

Indexing from the archive, index documents, exports. May import storage and core layers.
"""
