"""The archive: typed models, Alembic migrations, ArchiveStore (see docs/archive.md)."""
