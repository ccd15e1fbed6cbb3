"""Real concurrency: 100 clients race for 20 slots over HTTP against a live server.

Exactly 20 bookings and 80 clean 409s, no slot booked twice, and an outbox reader polling during the race
collects every row exactly once (the commit-order guarantee of the outbox).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import text

from services.api.outbox import read_outbox
from tests.integration.api.conftest import KEY

CLIENTS, SLOTS = 100, 20


@contextmanager
def live_server(db_url: str):
    """The API in its own uvicorn process (a server thread would share the GIL with the clients)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "EMIAS_API_DB_URL": db_url,
        "EMIAS_PSEUDONYM_KEY": KEY,
        "EMIAS_MIGRATE_ON_STARTUP": "false",
    }
    cmd = [sys.executable, "-m", "uvicorn", "services.api.main:create_app", "--factory", "--port", str(port)]
    proc = subprocess.Popen([*cmd, "--log-level", "warning", "--no-access-log"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, "server exited"
            assert time.monotonic() < deadline, "server did not start"
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


async def race(base: str, tokens: list[str], slots: list[int]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        go = asyncio.Event()

        async def client_books(i: int) -> httpx.Response:
            await go.wait()
            return await client.post(
                "/api/v1/appointments",
                json={"slot_id": slots[i % SLOTS]},
                headers={"Authorization": f"Bearer {tokens[i]}"},
            )

        # warm the connections so the race is between requests, not TCP handshakes
        await asyncio.gather(*(client.get("/healthz") for _ in range(CLIENTS)))
        tasks = [asyncio.create_task(client_books(i)) for i in range(CLIENTS)]
        await asyncio.sleep(0.05)
        go.set()
        return await asyncio.gather(*tasks)


class OutboxFollower(threading.Thread):
    """Reads the outbox incrementally while writers commit, like the warehouse ingest does."""

    def __init__(self, engine):
        super().__init__(daemon=True)
        self.engine, self.rows, self.stop = engine, [], threading.Event()

    def run(self):
        last = 0
        while True:
            stopping = self.stop.is_set()
            while chunk := read_outbox(self.engine, last, 7):
                self.rows.extend(chunk)
                last = chunk[-1].seq
            if stopping:
                return
            time.sleep(0.002)


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_100_clients_race_for_20_slots(backend, make_api, request):
    if backend == "postgresql":
        request.getfixturevalue("postgres_env")
    with make_api(backend, n_patient_tokens=CLIENTS) as api:
        slots = [s["slot_id"] for s in api.get("admin", "/slots", params={"limit": SLOTS}).json()]
        assert len(slots) == SLOTS
        engine = api.app.state.engine
        follower = OutboxFollower(engine)
        follower.start()
        with live_server(api.db_url) as base:
            responses = asyncio.run(race(base, api.patient_tokens, slots))
        follower.stop.set()
        follower.join(30)

        codes = Counter(r.status_code for r in responses)
        assert codes == {201: SLOTS, 409: CLIENTS - SLOTS}, [
            r.text for r in responses if r.status_code >= 500
        ]
        assert all(r.json()["detail"] == "slot already taken" for r in responses if r.status_code == 409)
        winners = {r.json()["slot_id"]: r.json()["patient_id"] for r in responses if r.status_code == 201}
        assert sorted(winners) == sorted(slots)

        with engine.connect() as conn:
            active = conn.execute(
                text("select slot_id, patient_id from appointments where status <> 'cancelled'")
            ).all()
            booked = set(conn.execute(text("select slot_id from slots where is_booked")).scalars())
        assert len(active) == SLOTS and dict(active) == winners  # no slot booked twice
        assert booked == set(slots)

        everything = read_outbox(engine, 0, 10_000)
        assert [r.table_name for r in everything] == ["appointment_booked"] * SLOTS
        assert {r.row["slot_id"]: r.row["patient_id"] for r in everything} == winners
        # the follower saw every row once, in seq order, although it read while transactions committed
        assert [r.seq for r in follower.rows] == [r.seq for r in everything]
