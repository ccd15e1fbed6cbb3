"""Fixtures shared by every layer of tests."""

from __future__ import annotations

import os
import uuid

import pytest


@pytest.fixture(scope="session")
def postgres_env() -> dict[str, str]:
    """The PG* variables of the PostgreSQL server the tests use (`.ci/run` starts one with `.ci/pg start`).

    A test that needs PostgreSQL fails, rather than skips, when none is configured: a skipped database
    test would hide exactly the failures it exists to catch.
    """
    if not os.environ.get("PGHOST"):
        pytest.fail('no PostgreSQL configured: run `eval "$(bash .ci/pg start)"` first (it sets PGHOST, PGPORT...)')
    return {k: os.environ.get(k, "") for k in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE")}


@pytest.fixture
def postgres_database(postgres_env):
    """A fresh, empty database on the test server, dropped afterwards. Yields its name."""
    import psycopg

    name = f"emias_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(dbname=postgres_env["PGDATABASE"] or "postgres", autocommit=True)
    admin.execute(f'create database "{name}"')
    try:
        yield name
    finally:
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.close()
