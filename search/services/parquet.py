"""Parquet export (pyarrow), kept apart because pyarrow is the optional ``[parquet]`` extra.

pyarrow is about 170 MB installed and serves this one format, so the base install leaves it out;
``search.services.export.require_format`` checks for it first and says how to add it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from search.services.export import (
    DAY_FIELDS,
    EXPORT_COLUMNS,
    INT_FIELDS,
    LIST_FIELDS,
    TIMESTAMP_FIELDS,
)


def _arrow_type(name: str) -> pa.DataType:
    if name in LIST_FIELDS:
        return pa.list_(pa.string())
    if name in INT_FIELDS:
        return pa.int64()
    if name in DAY_FIELDS:
        return pa.date32()
    if name in TIMESTAMP_FIELDS:
        return pa.timestamp("us", tz="UTC")
    return pa.string()


PARQUET_SCHEMA = pa.schema([pa.field(n, _arrow_type(n)) for n in EXPORT_COLUMNS])


def _to_arrow_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in DAY_FIELDS:
        return dt.date.fromisoformat(value)
    if name in TIMESTAMP_FIELDS:
        moment = dt.datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return value


class ParquetWriter:
    """Typed columns (dates, UTC timestamps, list<string>); one row group per batch."""

    def __init__(self, path: Path) -> None:
        self._writer = pq.ParquetWriter(path, PARQUET_SCHEMA, compression="zstd")

    def write_batch(self, records: list[dict[str, Any]]) -> None:
        columns = {
            name: [_to_arrow_value(name, r[name]) for r in records] for name in EXPORT_COLUMNS
        }
        self._writer.write_table(pa.table(columns, schema=PARQUET_SCHEMA))

    def close(self) -> None:
        self._writer.close()
