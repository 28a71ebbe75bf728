"""HL7 v2 as interfaces write it: batch files (FHS/BHS ... BTS/FTS), MLLP frames, any segment separator, escapes."""

from __future__ import annotations

import pytest

from tests.engine.records._support import records
from tests.engine.records.test_records_csv import make_nir
from workbench.engine import kinds

NIR = make_nir(1, 1978, 12, "2B", 33, 8)


def _message(k: int) -> list[str]:
    return [
        f"MSH|^~\\&|DXCARE|CHU BREST^290000017^FINESS|LAB|LAB|20261130101500||ADT^A01^ADT_A01|MSG{k:05d}|P|2.5|||||FRA|8859/1",
        "EVN||20261130101500",
        f"PID|||{k:08d}^^^CHU^PI~{NIR}^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS||"
        f"LE\\S\\GALL^Ana\\T\\s^^^^^L||19781224|M|||3 rue de Siam\\F\\bât B^^Brest^^29200||0298123456",
        "PV1||I|CARDIO^101^1^CHU BREST&290000017",
    ]


def _batch(messages: int, sep: str) -> str:
    segments = ["FHS|^~\\&|DXCARE|CHU BREST|LAB|LAB|20261130101500||lot-42.hl7",
                "BHS|^~\\&|DXCARE|CHU BREST|LAB|LAB|20261130101500"]
    for k in range(1, messages + 1):
        segments += _message(k)
    segments += [f"BTS|{messages}", "FTS|1"]
    return sep.join(segments) + sep


@pytest.mark.parametrize("sep", ["\r", "\n", "\r\n"])
def test_a_batch_file_gives_one_record_per_message(sep):
    data = _batch(3, sep).encode("latin-1")
    info = kinds.sniff(data, "lot-42.hl7")
    assert info.kind == "hl7v2" and info.delimiter == "|"
    df = records("hl7v2", data)
    assert df["locator"].tolist() == ["msg:1", "msg:2", "msg:3"]
    assert df["ipp"].tolist() == ["00000001", "00000002", "00000003"] and set(df["nir"]) == {NIR}
    assert df["family_name"][0] == "LE^GALL" and df["given_name"][0] == "Ana&s"  # \S\ and \T\ escapes
    assert df["address"][0] == "3 rue de Siam|bât B" and df["city"][0] == "Brest"  # \F\ escape


def test_mllp_frames_are_typed_and_read():
    frames = b"".join(b"\x0b" + "\r".join(_message(k)).encode() + b"\r\x1c\x0d" for k in (1, 2))
    info = kinds.sniff(frames, "capture.bin")
    assert info.kind == "hl7v2"
    df = records("hl7v2", frames)
    assert df["locator"].tolist() == ["msg:1", "msg:2"] and df["ipp"].tolist() == ["00000001", "00000002"]


def test_hex_and_line_break_escapes():
    message = _message(1)
    message[2] = message[2].replace("3 rue de Siam\\F\\bât B", "3 rue\\X20\\de Siam\\.br\\bât B")
    df = records("hl7v2", "\r".join(message).encode())
    assert df["address"][0] == "3 rue de Siam bât B"  # \X20\ a space, \.br\ a line break (folded by norm_text)


def test_hex_escapes_follow_the_character_set_of_msh_18():
    message = _message(1)
    message[0] = message[0].replace("8859/1", "UNICODE UTF-8")
    message[2] = message[2].replace("Ana\\T\\s", "Ma\\XC3AB\\l")
    df = records("hl7v2", "\r".join(message).encode())
    assert df["given_name"][0] == "Maël"
    message[0] = message[0].replace("UNICODE UTF-8", "8859/1")
    message[2] = message[2].replace("Ma\\XC3AB\\l", "Ma\\XEB\\l")
    assert records("hl7v2", "\r".join(message).encode())["given_name"][0] == "Maël"
