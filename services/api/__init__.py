"""The operational booking, records and prescriptions service (FastAPI) with its own store and outbox.

Clinics publish slots, patients and registry staff book, doctors close visits with diagnoses, write
e-prescriptions and referrals, pharmacies dispense. Every state change also writes its export-contract row
into the `outbox` table in the same database transaction; the warehouse reads it with
`services.api.outbox.read_outbox`.
"""
