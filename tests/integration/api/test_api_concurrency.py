"""Real concurrency: 100 clients race for 20 slots over HTTP against a live server.

Exactly 20 bookings and 80 clean 409s, no slot booked twice, and an outbox reader polling during the race
collects every row exactly once (the commit-order guarantee of the outbox).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from contextlib import contextmanager

import pytest
import uvicorn
from sqlalchemy import text

from bench.api_load import RawHttp
from services.api.outbox import read_outbox

CLIENTS, SLOTS = 100, 20


@contextmanager
def live_server(app):
    """The app behind a real uvicorn server on a free localhost port, in a thread of this process.

    A separate process would be truer to production but costs seconds of imports on a busy machine; the
    contention that matters here is in the database, and requests run on the server's worker threads
    with a connection each, exactly as in production.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)


async def race(port: int, tokens: list[str], slots: list[int]) -> list[tuple[int, dict]]:
    """Every client on its own connection, all released at once. The raw client (the load bench's) puts
    the 100 requests on the wire within a millisecond or two, so they really do contend."""
    clients = [await RawHttp("127.0.0.1", port).connect() for _ in range(CLIENTS)]
    go = asyncio.Event()

    async def client_books(i: int) -> tuple[int, dict]:
        await go.wait()
        return await clients[i].request(
            "POST", "/api/v1/appointments", {"slot_id": slots[i % SLOTS]}, tokens[i]
        )

    tasks = [asyncio.create_task(client_books(i)) for i in range(CLIENTS)]
    await asyncio.sleep(0.01)
    go.set()
    try:
        return await asyncio.gather(*tasks)
    finally:
        for c in clients:
            await c.close()


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


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_100_clients_race_for_20_slots(backend, make_api):
    with make_api(backend) as api:
        slots = [s["slot_id"] for s in api.get("admin", "/slots", params={"limit": SLOTS}).json()]
        assert len(slots) == SLOTS
        engine = api.app.state.engine
        with engine.connect() as conn:
            booked_before = set(conn.execute(text("select slot_id from slots where is_booked")).scalars())
        follower = OutboxFollower(engine)
        follower.start()
        with live_server(api.app) as port:
            responses = asyncio.run(race(port, api.patient_tokens, slots))
        follower.stop.set()
        follower.join(30)

        codes = Counter(status for status, _ in responses)
        assert codes == {201: SLOTS, 409: CLIENTS - SLOTS}, [
            body for status, body in responses if status >= 500
        ]
        assert all(body["detail"] == "slot already taken" for status, body in responses if status == 409)
        winners = {body["slot_id"]: body["patient_id"] for status, body in responses if status == 201}
        assert sorted(winners) == sorted(slots)

        with engine.connect() as conn:
            active = conn.execute(
                text("select slot_id, patient_id from appointments where status <> 'cancelled'")
            ).all()
            booked = set(conn.execute(text("select slot_id from slots where is_booked")).scalars())
        assert len(active) == SLOTS and dict(active) == winners  # no slot booked twice
        assert booked - booked_before == set(slots)

        everything = read_outbox(engine, 0, 10_000)
        assert [r.table_name for r in everything] == ["appointment_booked"] * SLOTS
        assert {r.row["slot_id"]: r.row["patient_id"] for r in everything} == winners
        # the follower saw every row once, in seq order, although it read while transactions committed
        assert [r.seq for r in follower.rows] == [r.seq for r in everything]


async def reschedule_race(port: int, tokens: list[str], appointments: list[int], slot: int):
    clients = [await RawHttp("127.0.0.1", port).connect() for _ in tokens]
    go = asyncio.Event()

    async def move(i: int):
        await go.wait()
        path = f"/api/v1/appointments/{appointments[i]}/reschedule"
        return await clients[i].request("POST", path, {"slot_id": slot}, tokens[i])

    tasks = [asyncio.create_task(move(i)) for i in range(len(tokens))]
    await asyncio.sleep(0.01)
    go.set()
    try:
        return await asyncio.gather(*tasks)
    finally:
        for c in clients:
            await c.close()


def test_concurrent_reschedules_onto_one_slot_leave_the_losers_booked(make_api):
    """Ten patients move their bookings to the same slot at once: one moves, nine keep what they had."""
    with make_api("postgres") as api:
        free = [s["slot_id"] for s in api.get("admin", "/slots", params={"specialty_id": "therapist"}).json()]
        target, own = free[0], free[1:11]
        appointments = [
            api.post(i, "/appointments", json={"slot_id": own[i]}).json()["appointment_id"] for i in range(10)
        ]
        with live_server(api.app) as port:
            responses = asyncio.run(reschedule_race(port, api.patient_tokens[:10], appointments, target))
        assert Counter(status for status, _ in responses) == {201: 1, 409: 9}
        winner = next(i for i, (status, _) in enumerate(responses) if status == 201)
        for i in range(10):
            statuses = {a["slot_id"]: a["status"] for a in api.get(i, "/appointments").json()}
            assert statuses == (
                {own[i]: "cancelled", target: "booked"} if i == winner else {own[i]: "booked"}
            )
        tables = [r.table_name for r in read_outbox(api.app.state.engine, 0, 1000)]
        assert tables == ["appointment_booked"] * 10 + ["appointment_cancelled", "appointment_booked"]


async def same_request_race(port: int, token: str, path: str, bodies: list[dict]):
    """One request per body, each on its own connection, released at once."""
    clients = [await RawHttp("127.0.0.1", port).connect() for _ in bodies]
    go = asyncio.Event()

    async def send(i: int):
        await go.wait()
        return await clients[i].request("POST", path, bodies[i], token)

    tasks = [asyncio.create_task(send(i)) for i in range(len(bodies))]
    await asyncio.sleep(0.01)
    go.set()
    try:
        return await asyncio.gather(*tasks)
    finally:
        for c in clients:
            await c.close()


def test_concurrent_admissions_and_discharges_of_one_stay(make_api):
    """Ten admissions of one patient at once: one stay, nine 409s (the patient's row is locked while the
    first is checked). Then ten discharges of that stay at once: one stands, nine answer the contract's
    oneDischargePerStay; one row of each in the outbox."""
    with make_api("postgres") as api:
        token = api.tokens["hospital1"]
        admit = {"patient_id": api.patients[0], "department_id": 101, "admission_type": "emergency"}
        bodies = [{**admit, "primary_icd10": f"J18.{i}"} for i in range(10)]
        with live_server(api.app) as port:
            admitted = asyncio.run(same_request_race(port, token, "/api/v1/stays", bodies))
            assert Counter(status for status, _ in admitted) == {201: 1, 409: 9}, admitted
            [stay] = [body for status, body in admitted if status == 201]
            assert all("in hospital already" in body["detail"] for status, body in admitted if status == 409)
            outcomes = ["home", "other_hospital"] * 5
            path = f"/api/v1/stays/{stay['stay_id']}/discharge"
            bodies = [{"discharge_outcome": o, "primary_icd10": "J18.9"} for o in outcomes]
            discharged = asyncio.run(same_request_race(port, token, path, bodies))
        assert Counter(status for status, _ in discharged) == {200: 1, 409: 9}, discharged
        refusals = [body["detail"] for status, body in discharged if status == 409]
        assert all(d[0]["type"] == "oneDischargePerStay" for d in refusals), refusals
        tables = Counter(r.table_name for r in read_outbox(api.app.state.engine, 0, 1000))
        assert tables == {"hospital_admitted": 1, "hospital_discharged": 1}
