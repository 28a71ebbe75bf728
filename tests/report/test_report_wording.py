"""The report's words as a court expert and a DPO read them: counts in the singular when they are one, the
watermark called by one name, names never glued to a French "de", numbers never broken across lines.

Seen in the demo's PDF (December 2026): "Code de traçage de Laboratoires Biorance : Registre ... accusé(s)",
"Données de CHU de Rennes", "Filigrane de ..." beside the window's "tatouage", and a p-value printed
"< 10^-286" above a lone "4" in the watermark table.
"""

from __future__ import annotations

import re

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from workbench.report.fonts import register_fonts
from workbench.report.i18n import EN, FR, Tr
from workbench.report.layout import CELL_PAD, FRAME_WIDTH, Layout

PLURAL_KEYS = ("cover_custody_value", "sum_chain_ok", "sum_results_ok", "m_failed_more", "a_more_canaries",
               "f_rules_more", "x_custody_ok", "x_custody_more")


@pytest.mark.parametrize("key", PLURAL_KEYS)
def test_a_count_of_one_is_written_in_the_singular(key):
    fr, en = Tr("fr"), Tr("en")
    one_fr, many_fr = fr.plural(key, 1, head="abc"), fr.plural(key, 3, head="abc")
    one_en, many_en = en.plural(key, 1, head="abc"), en.plural(key, 3, head="abc")
    assert one_fr != many_fr and one_en != many_en
    # a French plural after "1" (or "Les 1 ..."): "1 autres erreurs", "1 entrées", "Les 1 fichiers"
    assert not re.search(r"\b(Les )?1 (autres|entrées|fichiers)", one_fr), one_fr
    assert not re.search(r"\b1 (more \w+s|entries)\b|\bThe 1\b", one_en), one_en
    assert "3" in many_fr and "3" in many_en
    assert fr.plural(key, 0, head="abc") == one_fr.replace("1", "0")  # French: 0 takes the singular
    assert en.plural(key, 0, head="abc") == many_en.replace("3", "0")  # English: 0 takes the plural


def test_the_accusation_and_the_tested_recipients_agree_with_their_number():
    fr = Tr("fr")
    line = fr("a_accused", recipient="R", score="10", threshold="6", cells=fr.n(1, "n_cells"),
              tested=fr.n(1, "n_recipients_tested"), p="< 10^-9")
    assert "1 cellule (1 destinataire testé)" in line
    summary = fr("sum_accused", name="Laboratoires Biorance", recipients=fr("quoted", text="Registre"), bound="10^-6")
    assert summary.startswith("Laboratoires Biorance\u00a0: le code de traçage accuse «\u00a0Registre\u00a0»")
    assert "(s)" not in summary


def test_establishment_names_are_never_glued_to_a_french_de():
    """ "Données de CHU de Rennes", "Tatouage de Laboratoires ...": a name is the subject of its sentence."""
    for key in ("sum_copy", "sum_watermark", "sum_accused"):
        assert FR[key].startswith("{name}\u00a0: ") and EN[key].startswith("{name}: "), key


def test_the_watermark_is_a_tatouage_in_every_french_sentence():
    assert not [k for k, v in FR.items() if re.search(r"(?i)filigrane|canari", v)]
    assert FR["basis_watermark"] == "tatouage" and FR["a_watermarks_h"] == "Tatouages détectés"
    assert FR["sev_warning"] == "avertissement"  # the window's word for a warning finding


def test_a_number_column_is_as_wide_as_its_widest_number():
    lay = Layout(register_fonts())
    rows = [["tatouage de table", "leak/extraction.csv", "< 10^-2864", "1,00"]]
    table = lay.table(["Nature", "Où", "p", "Fraction"], rows, [0.3, 0.6, 0.05, 0.05], num=(2, 3))
    st = lay.styles["cell_num"]
    need = stringWidth("< 10^-2864", st.fontName, st.fontSize) + 2 * CELL_PAD
    assert table._colWidths[2] >= need
    assert abs(sum(table._colWidths) - FRAME_WIDTH) < 1e-6  # the room came from the other columns
    assert lay.styles["cell_head_num"].alignment == st.alignment  # a number's header on the numbers' side
