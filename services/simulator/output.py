"""Turning generated columns into contract tables and writing them as Parquet into the landing folder.

A day's partition gathers rows generated for many service days (bookings weeks ahead, dispensing days
after); those pieces wait in a staging folder as Arrow IPC files (uncompressed, read back memory-mapped) until
the partition can be written whole.
"""

from __future__ import annotations

import hashlib
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


CONTENT_DIGEST = b"emias.content_digest"


def content_digest(tbl: pa.Table) -> str:
    """A digest of a table's schema and values (its Arrow buffers), to tell whether a snapshot changed."""
    h = hashlib.blake2b(digest_size=16)
    h.update(str(tbl.schema.remove_metadata()).encode())
    for column in tbl.columns:
        for chunk in column.chunks:
            h.update(f"{len(chunk)}:{chunk.offset}".encode())
            for buf in chunk.buffers():
                h.update(b"-" if buf is None else memoryview(buf))
    return h.hexdigest()


def write_snapshot(tbl: pa.Table, path: Path) -> bool:
    """Write a reference snapshot unless the file already holds the same content; True when written.

    The digest travels in the file's metadata, so an unchanged snapshot keeps its file (and its mtime): a
    continued run does not rewrite 13M patients to say what they said yesterday."""
    digest = content_digest(tbl)
    if path.exists():
        try:
            old = (pq.read_schema(path).metadata or {}).get(CONTENT_DIGEST)
        except (OSError, pa.ArrowInvalid):
            old = None
        if old is not None and old.decode() == digest:
            return False
    tbl = tbl.replace_schema_metadata({**(tbl.schema.metadata or {}), CONTENT_DIGEST: digest.encode()})
    write_parquet(tbl, path)
    return True


def stage(tbl: pa.Table, day: np.ndarray, path: Path) -> dict[int, tuple[int, int]]:
    """Stage rows sorted by partition day as an Arrow IPC file (uncompressed: it is read back within
    minutes), one run of record batches per day. Returns {day: (first batch, number of batches)}."""
    path.parent.mkdir(parents=True, exist_ok=True)
    starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
    ends = np.r_[starts[1:], len(day)]
    where, n = {}, 0
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, tbl.schema) as writer:
        for a, b in zip(starts, ends, strict=True):
            batches = tbl.slice(a, b - a).to_batches()
            for batch in batches:
                writer.write_batch(batch)
            where[int(day[a])] = (n, len(batches))
            n += len(batches)
    return where


def read_staged(parts: list[tuple[Path, int, int]], schema: pa.Schema) -> pa.Table:
    """The staged batches (file, first batch, number of batches) in the given order, as one table; the
    files are memory-mapped, not copied."""
    batches = []
    for path, first, count in parts:
        reader = pa.ipc.open_file(pa.memory_map(str(path)))
        batches += [reader.get_batch(i) for i in range(first, first + count)]
    return pa.Table.from_batches(batches, schema=schema)
