"""The Arrow form a parser keeps beside its records frame: used by the shard writer only while it is true."""

import pyarrow as pa

from workbench.engine.blob import Blob
from workbench.engine.frame_arrow import _ARROW_ATTR, arrow_column
from workbench.engine.kinds import sniff
from workbench.engine.records import parse
from workbench.engine.store.shards import records_table

CSV = ("nir;nom;prenom;date_naissance;email;telephone\n"
       "185057800608491;Le Gall;Yann;1985-05-01;yann.legall@chu-brest.fr;02 98 00 00 01\n"
       "285057800608436;Quéméner;;01/05/1985;;0298000002\n").encode()


def _frame():
    with Blob.from_bytes(CSV) as blob:
        info = sniff(CSV, "patients.csv")
        return next(iter(parse(info.kind, blob, info, "patients.csv", batch_rows=100)))


def test_a_parsed_csv_keeps_its_source_columns_and_null_columns_in_arrow():
    frame = _frame()
    assert arrow_column(frame, "src.nom").to_pylist() == ["Le Gall", "Quéméner"]
    assert arrow_column(frame, "address").null_count == 2
    assert arrow_column(frame, "nir").to_pylist() == list(frame["nir"])  # every NIR in the normaliser's fast set
    assert arrow_column(frame, "email") is None  # one row without an e-mail: converted by the writer


def test_the_shard_rows_are_the_same_with_or_without_the_kept_arrow():
    frame = _frame()
    with_arrow = records_table(frame, "patients.csv", 0)
    del frame.__dict__[_ARROW_ATTR]
    assert records_table(frame, "patients.csv", 0).equals(with_arrow)


def test_a_replaced_column_or_a_derived_frame_is_converted_again():
    frame = _frame()
    frame["src.nom"] = ["X", "Y"]
    assert arrow_column(frame, "src.nom") is None
    assert records_table(frame, "patients.csv", 0).column("source").to_pylist()[0].count('"X"') == 1
    assert arrow_column(frame.iloc[:1], "src.prenom") is None
    assert isinstance(arrow_column(frame, "src.prenom"), pa.Array)
