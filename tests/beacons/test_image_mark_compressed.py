"""Image watermarks on compressed DICOM: JPEG Lossless, JPEG-LS and JPEG 2000 written the way PACS write them.

The marked image is compressed the way a PACS archives it (pydicom 3 ``Dataset.compress`` with the pyjpegls and
pylibjpeg-openjpeg encoders; JPEG Lossless through GDCM's ImageChangeTransferSyntax, which is what ``gdcmconv
--jpeg --lossless`` does, pydicom having no encoder for it), into encapsulated pixel data under the syntax's
Transfer Syntax UID; detection must decode it and still find the mark (and the signed private block).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pydicom
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydicom import uid

from tests.beacons.test_image_mark import KEY, key_for, make_dicom
from workbench.beacons import image_mark as im

KEYS = {"right": KEY, "other": key_for("other")}
LOSSY = (uid.JPEGLSNearLossless, uid.JPEG2000)


def _gdcm_jpeg_lossless(src: Path, dst: Path) -> None:
    gdcm = pytest.importorskip("gdcm")
    reader = gdcm.ImageReader()
    reader.SetFileName(str(src))
    assert reader.Read()
    change = gdcm.ImageChangeTransferSyntax()
    change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.JPEGLosslessProcess14_1))
    change.SetInput(reader.GetImage())
    assert change.Change()
    writer = gdcm.ImageWriter()
    writer.SetFileName(str(dst))
    writer.SetFile(reader.GetFile())
    writer.SetImage(change.GetOutput())
    assert writer.Write()


def _compress(src: Path, dst: Path, syntax: uid.UID, **kwargs) -> None:
    if syntax == uid.JPEGLosslessSV1:
        _gdcm_jpeg_lossless(src, dst)
        return
    ds = pydicom.dcmread(src)
    # encapsulated pixel data, transfer syntax UID set by pydicom; a lossless change of transfer syntax keeps the
    # SOP Instance UID (PS3.5 8.2), a lossy one gets a new one (pydicom's default, as the standard asks)
    ds.compress(syntax, generate_instance_uid=syntax in LOSSY, **kwargs)
    ds.save_as(dst, enforce_file_format=True)


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Ed25519PrivateKey]:
    folder = tmp_path_factory.mktemp("marked")
    signer = Ed25519PrivateKey.generate()
    out = folder / "marked.dcm"
    im.embed_dicom(make_dicom(folder, bits=12), out, KEY, "BCN-COMPRESSED1", signer)
    return out, signer


@pytest.mark.parametrize("syntax", [uid.JPEGLosslessSV1, uid.JPEGLSLossless, uid.JPEG2000Lossless, uid.RLELossless],
                         ids=lambda u: u.name)
def test_mark_found_after_lossless_compression(marked, tmp_path: Path, syntax: uid.UID) -> None:
    src, signer = marked
    dst = tmp_path / "archived.dcm"
    _compress(src, dst, syntax)
    ds = pydicom.dcmread(dst)
    assert ds.file_meta.TransferSyntaxUID == syntax
    assert ds["PixelData"].is_undefined_length  # encapsulated, as the compressed syntaxes require
    assert dst.stat().st_size < src.stat().st_size
    assert np.array_equal(ds.pixel_array, pydicom.dcmread(src).pixel_array)  # lossless, decoded here
    found = im.detect_image_file(dst, KEYS, public_key=signer.public_key())
    assert found.kind == "dicom" and found.results[0].detected and not found.results[1].detected
    assert found.results[0].p_value < 1e-12
    assert found.fragile is not None and found.fragile.signature_valid is True


@pytest.mark.parametrize(("syntax", "kwargs"), [(uid.JPEGLSNearLossless, {"jls_error": 3}),
                                                (uid.JPEG2000, {"j2k_cr": [8]})], ids=["jpeg-ls-near3", "j2k-8to1"])
def test_mark_found_after_lossy_archive_compression(marked, tmp_path: Path, syntax: uid.UID, kwargs) -> None:
    src, signer = marked
    dst = tmp_path / "lossy.dcm"
    _compress(src, dst, syntax, **kwargs)
    ds = pydicom.dcmread(dst)
    assert ds.file_meta.TransferSyntaxUID == syntax
    assert not np.array_equal(ds.pixel_array, pydicom.dcmread(src).pixel_array)
    found = im.detect_image_file(dst, KEYS, public_key=signer.public_key())
    assert found.results[0].detected and not found.results[1].detected
    assert found.fragile.signature_valid is False  # a new SOP Instance UID: a copy, not the original


def test_unmarked_compressed_image_is_not_detected(tmp_path: Path) -> None:
    src = make_dicom(tmp_path, bits=12, seed=3)
    dst = tmp_path / "plain.dcm"
    _compress(src, dst, uid.JPEGLSLossless)
    assert not any(r.detected for r in im.detect_image_file(dst, KEYS).results)


def test_mark_found_in_a_bare_data_set(marked) -> None:
    """No preamble, no file meta (a PACS export): typed by the caller, or found by the watermark CLI alone."""
    src, signer = marked
    ds = pydicom.dcmread(src)
    del ds.file_meta
    ds.preamble = None
    buf = io.BytesIO()
    ds.save_as(buf, implicit_vr=True, little_endian=True, enforce_file_format=False)
    bare = buf.getvalue()
    assert bare[128:132] != b"DICM"
    for kind in ("dicom", None):
        found = im.detect_image_file(bare, KEYS, public_key=signer.public_key(), kind=kind)
        assert found.kind == "dicom" and found.results[0].detected and found.fragile.signature_valid


def test_embed_into_a_compressed_file(tmp_path: Path) -> None:
    """A PACS copy is often compressed already: embedding decodes it and writes native pixels."""
    src = make_dicom(tmp_path, bits=12, seed=5)
    j2k = tmp_path / "j2k.dcm"
    _compress(src, j2k, uid.JPEG2000Lossless)
    out = tmp_path / "marked.dcm"
    report = im.embed_dicom(j2k, out, KEY, "BCN-FROMJ2K", Ed25519PrivateKey.generate())
    assert report.psnr_db > 45
    assert not pydicom.dcmread(out).file_meta.TransferSyntaxUID.is_compressed
    assert im.detect_image_file(out, KEYS).results[0].detected
