"""Image watermark: PSNR, anonymisation, PNG/JPEG export, crop, wrong keys, fragile signed block."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pydicom
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from pydicom.uid import generate_uid

from workbench.beacons import image_mark as im
from workbench.synth.establishments import DEMO_ESTABLISHMENTS
from workbench.synth.formats.dicom import phantom, write_study
from workbench.synth.people import PeopleFactory


def key_for(label: str) -> bytes:
    return hashlib.sha256(f"image-key/{label}".encode()).digest()


KEY = key_for("CARIO/recherche")


def make_dicom(folder: Path, bits: int = 12, seed: int = 1) -> Path:
    record = PeopleFactory(seed).record(DEMO_ESTABLISHMENTS[0])
    (data,) = write_study(record, None, images=1, rows=256, cols=256, bits=bits)
    path = folder / f"ct{bits}.dcm"
    path.write_bytes(data)
    return path


def anonymise(src: Path, dst: Path) -> None:
    """PS3.15-style: new UIDs, patient and institution tags emptied, private tags removed."""
    ds = pydicom.dcmread(src)
    for tag in ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID"):
        setattr(ds, tag, generate_uid())
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = "ANONYMOUS", "0000", ""
    for tag in ("InstitutionName", "InstitutionAddress", "OtherPatientIDsSequence", "StationName"):
        if tag in ds:
            delattr(ds, tag)
    ds.remove_private_tags()
    ds.save_as(dst)


def jpeg(pixels: np.ndarray, quality: int = 75) -> bytes:
    buf = io.BytesIO()
    im.export_png(pixels, buf, jpeg_quality=quality)
    return buf.getvalue()


@pytest.mark.parametrize("bits", [8, 12, 16])
def test_psnr_and_detection_on_native_pixels(bits: int) -> None:
    img = phantom(np.random.default_rng(bits), 256, 256, bits)
    marked, report = im.embed_array(img, KEY, bits_stored=bits)
    assert marked.dtype == img.dtype and marked.shape == img.shape
    peak = (1 << bits) - 1
    mse = np.mean((marked.astype(float) - img) ** 2)
    assert report.psnr_db == pytest.approx(10 * np.log10(peak**2 / mse))
    assert report.psnr_db > 45 and report.psnr_range_db > 45
    assert marked.max() <= peak
    res = im.detect_image(marked, {"right": KEY, "wrong": key_for("other")})
    assert res[0].detected and res[0].z > 8
    assert not res[1].detected
    assert not im.detect_image(img, {"right": KEY})[0].detected


def test_dicom_anonymised_exported_cropped(tmp_path: Path) -> None:
    signer = Ed25519PrivateKey.generate()
    src = make_dicom(tmp_path)
    out = tmp_path / "marked.dcm"
    report = im.embed_dicom(src, out, KEY, "BCN-TESTIMAGE01", signer)
    assert report.psnr_db > 45 and report.bits_stored == 12
    original = pydicom.dcmread(src)
    ds = pydicom.dcmread(out)
    assert ds.PatientID == original.PatientID and ds.SOPInstanceUID == original.SOPInstanceUID
    keys = {"right": KEY, "other": key_for("other")}

    found = im.detect_image_file(out, keys, public_key=signer.public_key())
    assert found.kind == "dicom" and found.results[0].detected and not found.results[1].detected
    assert found.fragile is not None and found.fragile.beacon_id == "BCN-TESTIMAGE01"
    assert found.fragile.signature_valid is True
    other_key = Ed25519PrivateKey.generate().public_key()
    assert im.detect_image_file(out, keys, public_key=other_key).fragile.signature_valid is False

    anon = tmp_path / "anon.dcm"
    anonymise(out, anon)
    after = im.detect_image_file(anon, keys, public_key=signer.public_key())
    assert after.fragile is None  # private tags gone with the anonymisation
    assert after.results[0].detected and not after.results[1].detected

    pixels = pydicom.dcmread(anon).pixel_array
    png = io.BytesIO()
    im.export_png(pixels, png)
    assert im.detect_image(png.getvalue(), keys)[0].detected
    assert im.detect_image_file(jpeg(pixels), keys).kind == "jpeg"
    assert im.detect_image(jpeg(pixels), keys)[0].detected
    cropped = pixels[20:250, 6:236]  # 10% of each side, off the tile grid
    res = im.detect_image(jpeg(cropped), keys)
    assert res[0].detected and not res[1].detected


def test_uid_change_breaks_the_fragile_signature(tmp_path: Path) -> None:
    signer = Ed25519PrivateKey.generate()
    out = tmp_path / "m.dcm"
    im.embed_dicom(make_dicom(tmp_path, bits=16), out, KEY, "BCN-X", signer)
    ds = pydicom.dcmread(out)
    ds.SOPInstanceUID = generate_uid()
    ds.save_as(tmp_path / "relabelled.dcm")
    fragile = im.detect_image_file(tmp_path / "relabelled.dcm", {}, public_key=signer.public_key()).fragile
    assert fragile is not None and fragile.beacon_id == "BCN-X" and fragile.signature_valid is False


def test_narrow_window_export_and_multiframe() -> None:
    img = phantom(np.random.default_rng(3), 256, 256, 12)
    marked, _ = im.embed_array(img, KEY, bits_stored=12)
    buf = io.BytesIO()
    im.export_png(marked, buf, window=(2200, 1600))  # a soft-tissue style window: clipped ends
    assert im.detect_image(buf.getvalue(), {"k": KEY})[0].detected
    stack = np.stack([phantom(np.random.default_rng(s), 128, 128, 12) for s in range(4)])
    marked3, rep = im.embed_array(stack, KEY, bits_stored=12)
    assert rep.frames == 4 and marked3.shape == stack.shape
    assert im.detect_image(marked3, {"k": KEY})[0].detected


def test_hostile_inputs(tmp_path: Path) -> None:
    with pytest.raises(im.ImageMarkError):
        im.detect_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, {"k": KEY})
    with pytest.raises(im.ImageMarkError):
        im.detect_image(b"\x00" * 128 + b"DICM" + b"\xff" * 64, {"k": KEY})
    truncated = jpeg(phantom(np.random.default_rng(1), 128, 128, 8))[:300]
    with pytest.raises(im.ImageMarkError):
        im.detect_image(truncated, {"k": KEY})
    rgb = tmp_path / "c.dcm"
    ds = pydicom.dcmread(make_dicom(tmp_path))
    ds.PhotometricInterpretation = "RGB"
    ds.save_as(rgb)
    with pytest.raises(im.ImageMarkError):
        im.embed_dicom(rgb, tmp_path / "o.dcm", KEY, "BCN-X", Ed25519PrivateKey.generate())
    assert not (tmp_path / "o.dcm").exists()
    with pytest.raises(ValueError):
        im.embed_array(np.zeros((64, 64), np.uint8), b"short")
    colour = io.BytesIO()
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(colour, format="PNG")
    assert len(im.detect_image(colour.getvalue(), {"k": KEY})) == 1  # colour exports are read as grey
