"""Realistic synthetic French hospital data and leak dumps, for the demo, the tests and the benchmarks.

- `establishments`: `EstablishmentProfile`, `DEMO_ESTABLISHMENTS`, `UNREGISTERED_ESTABLISHMENT` (demo FINESS numbers)
- `people`: `PeopleFactory(seed).record(est)` -> `PatientRecord` (patient, stays, lab results)
- `formats`: writers (CSV, MySQL/PostgreSQL/SQLite dumps, HL7 v2, FHIR, DICOM, PDF, XLSX, e-mail)
- `dump`: `build_dump(out_path, target_bytes=...)` -> `truth.GroundTruth`

No Qt, no network.
"""
