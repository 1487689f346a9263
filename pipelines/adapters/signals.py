"""Custom Scrapy signal objects (plain sentinels, no Scrapy import needed to define them)."""

#: Sent by ArchivePipeline after each committed batch, with ``results=list[UpsertResult]``.
#: The search indexing pipeline listens to it, so the index only ever sees committed rows.
archive_batch_committed = object()
