"""Turning generated columns into contract tables and writing them as Parquet into the landing folder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from services.contract import arrow_schema, table
from services.simulator.codes import VOCABULARIES

_VOCAB_ARRAYS = {name: pa.array(list(v), pa.string()) for name, v in VOCABULARIES.items()}


def patient_strings(pat_ids: np.ndarray, idx: np.ndarray) -> pa.Array:
    """The 16-character pseudonyms of residents `idx`, built straight from bytes (no Python strings)."""
    n = len(idx)
    data = pat_ids[idx].tobytes()
    offsets = (np.arange(n + 1, dtype=np.int32) * 16).tobytes()
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def to_arrow(name: str, cols: dict[str, np.ndarray], pat_ids: np.ndarray) -> pa.Table:
    """A contract table from generated columns: codes become strings, seconds become timestamps."""
    schema = arrow_schema(table(name))
    arrays = []
    for field in schema:
        if field.name == "patient_id":
            arrays.append(patient_strings(pat_ids, cols["patient"]))
            continue
        values = cols[field.name]
        if field.name in _VOCAB_ARRAYS:
            codes = np.asarray(values, dtype=np.int32)
            idx = pa.array(codes, mask=codes < 0) if field.nullable else pa.array(codes)
            arrays.append(_VOCAB_ARRAYS[field.name].take(idx))
        elif pa.types.is_timestamp(field.type):
            arrays.append(pa.array(np.asarray(values, dtype=np.int64) * 1_000_000, pa.timestamp("us")))
        elif field.nullable and pa.types.is_integer(field.type):
            arrays.append(pa.array(values, field.type, mask=np.asarray(values) == 0))
        else:
            arrays.append(pa.array(np.asarray(values).astype(field.type.to_pandas_dtype()), field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_parquet(tbl: pa.Table, path: Path) -> int:
    """Write atomically (a reader never sees half a file); returns the bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    # dictionary encoding only pays for strings: on unique ids it is tried, overflows and is thrown away
    strings = [f.name for f in tbl.schema if pa.types.is_string(f.type)]
    pq.write_table(tbl, tmp, compression="zstd", use_dictionary=strings)
    os.replace(tmp, path)
    return path.stat().st_size
