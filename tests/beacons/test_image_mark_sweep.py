"""Measured, not assumed: 100 keys x each attack, 1,000 unmarked images, wrong keys, p-value calibration."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from scipy import stats

from workbench.beacons import image_mark as im
from workbench.synth.formats.dicom import phantom

pytestmark = pytest.mark.slow


def _key(*parts: object) -> bytes:
    return hashlib.sha256("/".join(map(str, parts)).encode()).digest()


def _dicom_roundtrip_anonymised(pixels: np.ndarray, bits: int) -> np.ndarray:
    """Write a CT file with institution and a private block, anonymise it (new UIDs, no institution,
    no private tags) and read the pixels back."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.InstitutionName = "CHU de Brest (démo)"
    ds.PatientName, ds.PatientID = "LE GALL^Anne", "29000123"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = (8 if bits == 8 else 16), bits, bits - 1, 0
    ds.PixelData = pixels.tobytes()
    ds.private_block(0x0011, "BALISE", create=True).add_new(0x01, "LO", "BCN-1")
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    ds = pydicom.dcmread(io.BytesIO(buf.getvalue()))
    ds.SOPInstanceUID = generate_uid()
    del ds.InstitutionName
    ds.remove_private_tags()
    buf = io.BytesIO()
    ds.save_as(buf)
    return pydicom.dcmread(io.BytesIO(buf.getvalue())).pixel_array


def _export(pixels: np.ndarray, quality: int | None) -> bytes:
    buf = io.BytesIO()
    im.export_png(pixels, buf, jpeg_quality=quality)
    return buf.getvalue()


def test_hundred_keys_every_attack() -> None:
    rng = np.random.default_rng(11)
    hits: dict[str, int] = {}
    z: dict[str, list[float]] = {}
    wrong_detected = 0
    psnr = []
    for i in range(100):
        bits = (8, 12, 16)[i % 3]
        key = _key("est", i % 5, "recipient", i)
        wrong = _key("est", i % 5, "recipient", i + 1000)
        img = phantom(rng, 256, 256, bits)
        marked, rep = im.embed_array(img, key, bits_stored=bits)
        psnr.append(rep.psnr_db)
        anon = _dicom_roundtrip_anonymised(marked, bits)
        oy, ox = (int(v) for v in rng.integers(0, 26, 2))
        attacked = {
            "anonymised": anon,
            "png": _export(anon, None),
            "jpeg-75": _export(anon, 75),
            "crop-10%": anon[oy : oy + 230, ox : ox + 230],
            "crop-10%+jpeg-75": _export(anon[oy : oy + 230, ox : ox + 230], 75),
        }
        for name, data in attacked.items():
            res = im.detect_image(data, {"right": key, "wrong": wrong})
            hits[name] = hits.get(name, 0) + res[0].detected
            z.setdefault(name, []).append(res[0].z)
            wrong_detected += res[1].detected
    print("detections per attack over 100 keys:", hits, "min z:", {k: round(min(v), 1) for k, v in z.items()},
          f"PSNR min {min(psnr):.2f} dB")
    assert min(psnr) > 45
    assert all(n >= 99 for n in hits.values()), hits
    assert wrong_detected == 0


def test_thousand_unmarked_images_are_calibrated() -> None:
    rng = np.random.default_rng(5)
    pvals = []
    for i in range(1000):
        bits = (8, 12, 16)[i % 3]
        img = phantom(rng, 128, 128, bits)
        if i % 2:  # half of them marked with another key, half of those exported to JPEG
            img = im.embed_array(img, _key("foreign", i), bits_stored=bits)[0]
            source: np.ndarray | bytes = _export(img, 75) if i % 4 == 1 else img
        else:
            source = img
        pvals.append(im.detect_image(source, {"k": _key("null", i)})[0].p_value)
    p = np.array(pvals)
    below = (p < 0.01).mean()
    print(f"null images: {below:.3%} below 0.01, {(p < 0.05).mean():.3%} below 0.05, min p {p.min():.2e}")
    assert p.min() > 1e-6
    assert 0.002 <= below <= 0.025
    assert 0.03 <= (p < 0.05).mean() <= 0.075
    assert stats.kstest(p, "uniform").pvalue > 1e-3


def test_thousand_wrong_keys_on_one_marked_image() -> None:
    img = phantom(np.random.default_rng(1), 256, 256, 12)
    marked = im.embed_array(img, _key("right"), bits_stored=12)[0]
    res = im.detect_image(_export(marked, 75), {str(i): _key("wrong", i) for i in range(1000)})
    p = np.array([r.p_value for r in res])
    assert p.min() > 1e-6
    assert 0.002 <= (p < 0.01).mean() <= 0.025
    assert stats.kstest(p, "uniform").pvalue > 1e-3
