"""Writers of establishment exports (CSV, SQL dumps, HL7 v2, FHIR, DICOM, PDF, XLSX, e-mail).

Every writer takes `PatientRecord`s and an optional `sink(id_type, raw_value)` that is called for each
identifier (nir, finess, rpps, iban, email, phone) exactly as it is written into the output, so the dump
builder's ground truth is what the bytes hold, not what the records hold.
"""
