"""Booking load on PostgreSQL (on demand, not in CI): N clients book free slots for T seconds.

    eval "$(bash .ci/pg start)"
    .venv/bin/python bench/api_load.py --clients 32 --seconds 15 --workers 2

Creates a throw-away database with one facility, a few doctors, one patient (and token) per client and
enough future slots; serves the API with uvicorn in its own processes; each client books its own share of
slots over a keep-alive connection as fast as answers come back. Reports bookings/s and p50/p99 latency,
then checks that the outbox holds exactly one `appointment_booked` row per booking.

The clients speak raw HTTP/1.1 over asyncio streams: httpx's async client costs milliseconds a request
here and would measure itself rather than the service.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid

import httpx

KEY = "bench-pseudonym-key"


class RawHttp:
    """A minimal keep-alive HTTP/1.1 JSON client on one connection (Content-Length responses only)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> RawHttp:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def request(
        self, method: str, path: str, body=None, token: str | None = None
    ) -> tuple[int, object]:
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(data)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        self.writer.write(head.encode() + b"\r\n" + data)
        await self.writer.drain()
        status_line, *header_lines = (await self.reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
        headers = dict(h.split(": ", 1) for h in header_lines if h)
        length = int({k.lower(): v for k, v in headers.items()}.get("content-length", 0))
        payload = await self.reader.readexactly(length) if length else b""
        return int(status_line.split()[1]), json.loads(payload) if payload else None

    async def close(self) -> None:
        self.writer.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_url: str, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "EMIAS_API_DB_URL": db_url,
        "EMIAS_PSEUDONYM_KEY": KEY,
        "EMIAS_MIGRATE_ON_STARTUP": "false",
    }
    cmd = [sys.executable, "-m", "uvicorn", "services.api.main:create_app", "--factory", "--port", str(port)]
    cmd += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)


def cpu_seconds(server: subprocess.Popen, database: str) -> dict[str, float]:
    """CPU time used so far by the API's processes and by the PostgreSQL backends serving `database`.

    On a shared machine wall-clock throughput measures the neighbours too; CPU per booking does not.
    (PostgreSQL names each backend process "postgres: user database host(port) state"; the server's
    shared work — WAL writer, checkpointer — is left out, a small share with fsync off.)
    """
    import psutil

    def total(procs) -> float:
        seconds = 0.0
        for p in procs:
            try:
                t = p.cpu_times()
                seconds += t.user + t.system
            except psutil.Error:
                continue
        return seconds

    api = psutil.Process(server.pid)
    postgres = [
        p
        for p in psutil.process_iter(["name", "cmdline"])
        if p.info["name"] in ("postgres", "postgresql") and database in " ".join(p.info["cmdline"] or ())
    ]
    return {"api": total([api, *api.children(recursive=True)]), "postgres": total(postgres)}


def seed(db_url: str, clients: int, slots_per_client: int) -> tuple[list[str], list[list[int]]]:
    """A facility, doctors, one patient and token per client, and each client's own future slots."""
    from sqlalchemy import insert

    from services.api.db import make_engine, session_factory, upgrade
    from services.api.models import Doctor, Facility, Patient, Slot, Specialty
    from services.api.security import issue_token, pseudonym

    upgrade(db_url)
    engine = make_engine(db_url)
    n_doctors = 50
    start = dt.datetime.combine(dt.date.today() + dt.timedelta(days=2), dt.time(8))
    published = dt.datetime.combine(dt.date.today() - dt.timedelta(days=1), dt.time(8))
    with session_factory(engine)() as s:
        s.add(
            Facility(facility_id=1, name="Bench GP", kind="adult_polyclinic", okrug_id="CAO", district_id=1)
        )
        s.add(
            Specialty(
                specialty_id="therapist",
                name_en="Therapist",
                name_ru="Терапевт",
                minutes_norm=15,
                wait_standard=24,
                wait_standard_unit="hours",
                is_primary_care=True,
            )
        )
        s.flush()
        s.add_all(
            Doctor(doctor_id=d, facility_id=1, specialty_id="therapist", rate=1.0)
            for d in range(1, n_doctors + 1)
        )
        patients = [pseudonym(KEY, f"bench:{i}") for i in range(clients)]
        s.add_all(
            Patient(patient_id=p, sex="F", birth_month=dt.date(1970, 1, 1), district_id=1, insurance="OMS")
            for p in patients
        )
        s.flush()
        total = clients * slots_per_client
        rows = [
            dict(
                slot_id=i,
                doctor_id=1 + i % n_doctors,
                facility_id=1,
                specialty_id="therapist",
                starts_at=start + dt.timedelta(minutes=15 * (i // n_doctors)),
                duration_min=15,
                is_urgent_reserve=False,
                is_booked=False,
                published_at=published,
            )
            for i in range(1, total + 1)
        ]
        for k in range(0, total, 10_000):
            s.execute(insert(Slot), rows[k : k + 10_000])
        tokens = [issue_token(s, "patient", patient_id=p) for p in patients]
        s.commit()
    engine.dispose()
    shares = [list(range(1 + c, total + 1, clients)) for c in range(clients)]
    return tokens, shares


async def load(port: int, tokens: list[str], shares: list[list[int]], seconds: float):
    latencies: list[float] = []
    other: dict[int, int] = {}
    stop = time.perf_counter() + seconds

    async def client(token: str, slots: list[int]) -> None:
        http = await RawHttp("127.0.0.1", port).connect()
        for slot_id in slots:
            if time.perf_counter() >= stop:
                break
            t = time.perf_counter()
            status, _ = await http.request("POST", "/api/v1/appointments", {"slot_id": slot_id}, token)
            if status == 201:
                latencies.append(time.perf_counter() - t)
            else:
                other[status] = other.get(status, 0) + 1
        await http.close()

    began = time.perf_counter()
    await asyncio.gather(*(client(t, s) for t, s in zip(tokens, shares, strict=True)))
    return latencies, other, time.perf_counter() - began


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--slots-per-client", type=int, default=600)
    args = ap.parse_args()

    import psycopg

    name = f"emias_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(dbname=os.environ.get("PGDATABASE") or "postgres", autocommit=True)
    admin.execute(f'create database "{name}"')
    user, host, pgport = os.environ["PGUSER"], os.environ["PGHOST"], os.environ["PGPORT"]
    db_url = f"postgresql+psycopg://{user}@{host}:{pgport}/{name}"
    server = None
    try:
        tokens, shares = seed(db_url, args.clients, args.slots_per_client)
        port = free_port()
        server = start_server(db_url, port, args.workers)
        before = cpu_seconds(server, name)
        latencies, other, elapsed = asyncio.run(load(port, tokens, shares, args.seconds))
        used = {k: v - before[k] for k, v in cpu_seconds(server, name).items()}
        from services.api.outbox import outbox_high_water, read_outbox

        outbox = read_outbox(db_url, 0, 10**7)
        assert len(outbox) == len(latencies), (len(outbox), len(latencies))
        assert outbox_high_water(db_url) == outbox[-1].seq
        q = statistics.quantiles(latencies, n=100)
        print(
            f"PostgreSQL, {os.cpu_count()} cores, uvicorn workers={args.workers}, clients={args.clients}: "
            f"{len(latencies)} bookings in {elapsed:.1f} s = {len(latencies) / elapsed:.0f} bookings/s; "
            f"latency p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms; other answers {other or 'none'}; "
            f"outbox rows {len(outbox)}"
        )
        per = {k: 1000 * v / len(latencies) for k, v in used.items()}
        print(
            f"CPU per booking: API {per['api']:.2f} ms + PostgreSQL {per['postgres']:.2f} ms; "
            f"so 2 idle cores would carry about {2000 / (per['api'] + per['postgres']):.0f} bookings/s "
            f"(load average during the run: {os.getloadavg()[0]:.1f})"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        admin.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


if __name__ == "__main__":
    main()
