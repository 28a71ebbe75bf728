"""Watermark benchmark: detection rate against rows kept and against mixture fraction, distortion, images.

    .venv/bin/python benchmarks/watermark.py [--trials N]
    .venv/bin/python benchmarks/watermark.py --collusion-only [--trials 10]   # Tardos table, 5,000 and 10,000 rows
    .venv/bin/python benchmarks/watermark.py --quick                          # Tardos table, 5,000 rows
    .venv/bin/python benchmarks/watermark.py --dates-only [--trials 20]       # date carriers: distortion,
                                                                              # mixture, attacks, collusion

Tables are generated stays (tests/beacons/test_tabular_mark_gen.py); every trial uses a fresh key. A trial is
*detected* when p < 1e-6; the false-alarm column tests a wrong key (another recipient) on the same data.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.beacons.test_tabular_mark_gen import make_lab_table, make_patient_table  # noqa: E402
from workbench.beacons import date_mark as dm  # noqa: E402
from workbench.beacons import image_mark as im  # noqa: E402
from workbench.beacons import mark_io  # noqa: E402
from workbench.beacons import tabular_mark as tm  # noqa: E402
from workbench.synth.formats.dicom import phantom  # noqa: E402


def _key(*parts: object) -> bytes:
    return hashlib.sha256("/".join(map(str, parts)).encode()).digest()


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))


def _table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print(_row(header, widths))
    print(_row(["-" * w for w in widths], widths))
    for r in rows:
        print(_row(r, widths))


def _stats(results: list[tm.TableMarkResult], wrong: list[tm.TableMarkResult]) -> list[str]:
    logs = [r.log10_p for r in results]
    return [f"{np.mean([r.detected for r in results]):.0%}", f"{np.median(logs):.1f}", f"{max(logs):.1f}",
            f"{np.mean([r.marked_fraction_estimate for r in results]):.3f}",
            f"{np.mean([w.detected for w in wrong]):.0%}"]


def rows_kept(trials: int) -> None:
    sizes = [50, 100, 200, 500, 1000, 2000, 5000]
    per: dict[int, tuple[list, list]] = {n: ([], []) for n in sizes}
    for t in range(trials):
        key, wrong = _key("rows", t), _key("rows", t, "other-recipient")
        marked = tm.embed_table(make_patient_table(5000, seed=10_000 + t), key)[0]
        for n in sizes:
            sub = marked.sample(n, random_state=t)
            right, other = tm.detect_table(sub, {"r": key, "w": wrong})
            per[n][0].append(right)
            per[n][1].append(other)
    _table(f"Detection against rows kept (subset of a marked 5,000-row export; {trials} keys each)",
           ["rows", "detected", "median log10 p", "worst log10 p", "fraction est.", "wrong key det."],
           [[str(n), *_stats(*per[n])] for n in sizes])


def mixture(trials: int, total: int, pool: pd.DataFrame) -> None:
    fractions = [0.01, 0.02, 0.05, 0.10, 0.20, 0.50]
    rows = []
    for f in fractions:
        res, wrong = [], []
        n_marked = int(round(total * f))
        for t in range(trials):
            key = _key("mix", total, f, t)
            src = make_patient_table(n_marked, seed=20_000 + t, start_ipp=9 * 10**7)
            marked = tm.embed_table(src, key)[0]
            mix = pd.concat([marked, pool.sample(total - n_marked, random_state=t)]).sample(frac=1.0, random_state=t)
            r, w = tm.detect_table(mix, {"r": key, "w": _key("mix", "wrong", t)})
            res.append(r)
            wrong.append(w)
        rows.append([f"{f:.0%}", str(n_marked), *_stats(res, wrong)])
    _table(f"Detection against mixture fraction (marked rows among {total:,} rows; {trials} keys each)",
           ["marked", "marked rows", "detected", "median log10 p", "worst log10 p", "fraction est.",
            "wrong key det."], rows)


def distortion() -> None:
    df = make_patient_table(5000, seed=1)
    _, dist = tm.embed_table(df, _key("distortion"))
    minute = make_patient_table(5000, seed=2, seconds=False)
    _, dist_min = tm.embed_table(minute, _key("distortion"))
    rows = []
    for label, d in (("seconds present", dist), ("minute precision", dist_min)):
        for name, col in d.columns.items():
            rows.append([label, name, col.kind, str(col.cells), f"{col.changed / max(col.cells, 1):.0%}",
                         f"{col.max_change:g} s" if col.kind == "ts" else "0 (spelling)"])
    _table("Table distortion (5,000-row export; no other column changes)",
           ["export", "column", "carrier", "cells", "changed", "largest change"], rows)


def lab_distortion() -> None:
    df = make_lab_table(10_000, seed=1)
    marked, dist = tm.embed_table(df, _key("lab-distortion"), numeric=True)
    rows = []
    for name, col in dist.columns.items():
        before = df[name].str.replace(",", ".").astype(float)
        after = marked[name].str.replace(",", ".").astype(float)
        rows.append([name, str(col.cells), f"{col.changed / max(col.cells, 1):.1%}", f"{col.max_change:g}",
                     f"{(after.mean() / before.mean() - 1):+.4%}", f"{(after.std() / before.std() - 1):+.4%}",
                     str(col.skipped)])
    _table("Numeric carriers: distortion per column (lab results, 10,000 rows; budget: one displayed unit, "
           "mean and sd within 0.1 %)", ["column", "cells", "changed", "largest move", "mean change",
                                        "sd change", "kept (threshold/carry)"], rows)


def lab_mixture(trials: int, total: int = 10_000) -> None:
    """Marked lab rows among ``total`` unmarked lab rows of other patients; the unmarked rows are collected
    once and merged with each marked part (same votes as detecting the concatenated table)."""
    pool = tm.UnitCollector()
    pool.add_table(make_lab_table(total, seed=2, start_ipp=10**7))
    rows = []
    for f in (0.01, 0.015, 0.02, 0.03, 0.05):
        n_marked = int(round(total * f))
        res, wrong = [], []
        for t in range(trials):
            key = _key("lab-mix", f, t)
            marked = tm.embed_table(make_lab_table(n_marked, seed=30_000 + t), key, numeric=True)[0]
            mine = tm.UnitCollector()
            mine.add_table(marked)
            r, w = pool.merged(mine).test({"r": key, "w": _key("lab-mix-wrong", f, t)})
            res.append(r)
            wrong.append(w)
        logs = [r.combined_log10_p for r in res]
        rows.append([f"{f:.1%}", str(n_marked), f"{np.mean([r.detected for r in res]):.0%}",
                     f"{np.median(logs):.1f}", f"{max(logs):.1f}",
                     f"{np.median([r.num_log10_p for r in res]):.1f}", f"{np.median([r.row_log10_p for r in res]):.1f}",
                     f"{np.mean([w.detected for w in wrong]):.0%}"])
    _table(f"Numeric carriers: detection against mixture (marked lab rows among {total:,}; {trials} keys each; "
           "p = 2 x min(per-unit, row-grouped))",
           ["marked", "rows", "detected", "median log10 p", "worst log10 p", "per-unit log10 p",
            "row-grouped log10 p", "wrong key det."], rows)


def lab_attacks(trials: int) -> None:
    attacks = {
        "none": lambda m: m,
        "glucose rounded to integers": lambda m: m.assign(GLYCEMIE_MMOL_L=m["GLYCEMIE_MMOL_L"].str.replace(
            ",", ".").astype(float).round().astype(int).astype(str)),
        "creatinine in mg/dL": lambda m: m.assign(CREATININE_UMOL_L=[
            f"{v / 88.4:.2f}" for v in m["CREATININE_UMOL_L"].astype(float)]),
        "weight dropped": lambda m: m.drop(columns=["POIDS_KG"]),
        "first name dropped": lambda m: m.drop(columns=["PRENOM"]),
        "sorted": lambda m: m.sort_values(["NOM"]),
        "subset 100 rows": lambda m: m.sample(100, random_state=0),
        "subset 50 rows": lambda m: m.sample(50, random_state=0),
        "renamed + reordered": lambda m: m[m.columns[::-1]].set_axis([f"c{i}" for i in range(12)], axis=1),
    }
    hits = {a: [] for a in attacks}
    wrong = {a: 0 for a in attacks}
    for t in range(trials):
        key = _key("lab-attack", t)
        marked = tm.embed_table(make_lab_table(1000, seed=40_000 + t), key, numeric=True)[0]
        for name, attack in attacks.items():
            r, w = tm.detect_table(attack(marked), {"r": key, "w": _key("lab-attack-wrong", t)})
            hits[name].append(r)
            wrong[name] += w.detected
    rows = [[name, f"{np.mean([r.detected for r in res]):.0%}", f"{np.median([r.combined_log10_p for r in res]):.1f}",
             f"{max(r.combined_log10_p for r in res):.1f}", f"{wrong[name] / trials:.0%}"]
            for name, res in hits.items()]
    _table(f"Numeric carriers: attacks on a marked 1,000-row lab table ({trials} keys)",
           ["attack", "detected", "median log10 p", "worst log10 p", "wrong key det."], rows)


def scrubbed(trials: int) -> None:
    rows = []
    hits, logs = [], []
    for t in range(trials):
        key = _key("scrub", t)
        m = tm.embed_table(make_patient_table(1000, seed=50_000 + t), key, numeric=True)[0]
        m = m.assign(TELEPHONE=m["TELEPHONE"].str.replace(r"\D", "", regex=True).str.replace(r"^33", "0", regex=True),
                     DATE_ENTREE=m["DATE_ENTREE"].str.replace(r":\d{2}$", ":00", regex=True),
                     ADRESSE=m["ADRESSE"].str.replace(",", "", regex=False))
        (r,) = tm.detect_table(m, {"r": key})
        hits.append(r.detected)
        logs.append((r.log10_p, r.num_log10_p))
    rows.append(["phones re-spelled, seconds zeroed, commas removed", f"{np.mean(hits):.0%}",
                 f"{np.median([a for a, _ in logs]):.1f}", f"{np.median([b for _, b in logs]):.1f}"])
    _table(f"Invisible carriers scrubbed (1,000-row stays export, {trials} keys)",
           ["attack", "detected", "invisible log10 p", "numeric log10 p"], rows)


def _merge(attack: str, src: pd.DataFrame, copies: list[pd.DataFrame], seed: int) -> pd.DataFrame:
    from tests.beacons.test_tardos import ATTACKS

    return ATTACKS[attack](src, copies, seed)


def collusion(trials: int, sizes: tuple[int, ...] = (5000, 10_000), recipients: int = 20) -> None:
    """c recipients of one establishment merge their copies (symmetric Tardos code, shared biases): each cell
    picked from one copy, the measurements averaged and rounded back to the display, or the majority value.
    Accused = Tardos score above Z, the Chernoff threshold for P(any innocent among the recipients) <= 1e-6."""
    out = []
    for rows in sizes:
        for t in range(trials):
            src = make_lab_table(rows, seed=60_000 + t)
            code = _key("collude-code", rows, t)
            keys = {f"r{i}": tm.MarkKey(code, _key("collude", rows, t, i)) for i in range(recipients)}
            copies = {r: tm.embed_table(src, keys[r], numeric=True)[0] for r in list(keys)[:4]}
            for c in (2, 3, 4):
                coal = list(keys)[:c]
                for attack in ("interleave", "average", "majority"):
                    merged = _merge(attack, src, [copies[r] for r in coal], seed=t * 10 + c)
                    collector = tm.UnitCollector()
                    collector.add_table(merged)
                    acc = collector.accuse(keys)
                    accused = {r.label for r in acc.accused}
                    score = {r.label: r.score for r in acc.results}
                    out.append((rows, c, attack, acc.cells, acc.threshold, len(accused & set(coal)),
                                len(accused - set(coal)), min(score[r] for r in coal), max(score[r] for r in coal),
                                max(v for r, v in score.items() if r not in coal)))
    table = []
    for rows in sizes:
        for c in (2, 3, 4):
            for attack in ("interleave", "average", "majority"):
                got = [o for o in out if o[:3] == (rows, c, attack)]
                table.append([f"{rows:,}", str(c), attack, f"{np.mean([o[3] for o in got]):,.0f}",
                              f"{np.mean([o[4] for o in got]):,.0f}",
                              f"{np.mean([o[5] >= 1 for o in got]):.0%}", f"{np.mean([o[5] for o in got]):.2f} / {c}",
                              str(sum(o[6] for o in got)), f"{min(o[7] for o in got):,.0f}",
                              f"{max(o[8] for o in got):,.0f}", f"{max(o[9] for o in got):,.0f}"])
    _table(f"Collusion (symmetric Tardos code over lab rows; {recipients} recipients of one establishment, "
           f"{trials} trial(s) each; accused = score >= Z, P(any innocent accused) <= 1e-6 by a Chernoff bound)",
           ["rows", "colluders", "attack", "cells", "threshold Z", ">=1 accused", "colluders accused",
            "innocents accused", "lowest colluder score", "highest colluder score", "highest innocent score"],
           table)


LAB_MEASURES = ["POIDS_KG", "TAILLE_CM", "CREATININE_UMOL_L", "GLYCEMIE_MMOL_L", "HEMOGLOBINE_G_DL", "PAS_MMHG"]


def _ordinals(col: pd.Series) -> np.ndarray:
    return np.array([dm.parse_date(t).ordinal for t in col], dtype=np.int64)


def date_distortion() -> None:
    """Per date column: what moved (the lab table's sample and birth dates, the stays table's admission
    date-time and birth date), with the default policy (one day at most, never a birth date)."""
    rows = []
    for label, df in (("lab results, 10,000 rows", make_lab_table(10_000, seed=1)),
                      ("stays, 10,000 rows", make_patient_table(10_000, seed=1))):
        marked, dist = tm.embed_table(df, _key("date-distortion"), numeric=True, dates=dm.DEFAULT_POLICY)
        for name in ("DATE_NAISSANCE", "DATE_PRELEVEMENT", "DATE_ENTREE"):
            if name not in df.columns:
                continue
            before, after = _ordinals(df[name]), _ordinals(marked[name])
            shift = after - before
            col = dist.columns.get(name if name in dist.columns and dist.columns[name].kind == "date"
                                   else f"{name} (day)")
            rows.append([label, name, "date" if col is not None else "not a carrier (birth date)",
                         f"{(shift != 0).mean():.1%}", f"{np.abs(shift).max()}", f"{shift.mean():+.5f}",
                         f"{(after.std() / before.std() - 1):+.5%}",
                         "yes" if marked[name].str.len().equals(df[name].str.len()) else "no"])
    _table("Date carriers: distortion per date column (default policy: at most one day, never a birth date)",
           ["table", "column", "carrier", "changed", "max shift (days)", "mean shift (days)", "sd change",
            "same spelling"], rows)


def date_mixture(trials: int, total: int = 10_000) -> None:
    """Lab rows marked by one key, measurements dropped (the dates alone carry), among ``total`` unmarked lab
    rows; against the same rows with their measurements."""
    pool_full = make_lab_table(total, seed=2, start_ipp=10**7)
    pools = {"dates alone": tm.UnitCollector(), "dates + measurements": tm.UnitCollector()}
    pools["dates alone"].add_table(pool_full.drop(columns=LAB_MEASURES))
    pools["dates + measurements"].add_table(pool_full)
    rows = []
    for f in (0.02, 0.05, 0.10, 0.20, 0.50):
        n_marked = int(round(total * f))
        res: dict[str, list] = {k: [] for k in pools}
        wrong: dict[str, int] = {k: 0 for k in pools}
        for t in range(trials):
            key = _key("date-mix", f, t)
            marked = tm.embed_table(make_lab_table(n_marked, seed=70_000 + t), key, numeric=True,
                                    dates=dm.DEFAULT_POLICY)[0]
            for name, pool in pools.items():
                mine = tm.UnitCollector()
                mine.add_table(marked.drop(columns=LAB_MEASURES) if name == "dates alone" else marked)
                r, w = pool.merged(mine).test({"r": key, "w": _key("date-mix-wrong", f, t)})
                res[name].append(r)
                wrong[name] += w.detected
        for name in pools:
            logs = [r.combined_log10_p for r in res[name]]
            rows.append([f"{f:.0%}", str(n_marked), name, f"{np.mean([r.detected for r in res[name]]):.0%}",
                         f"{np.median(logs):.1f}", f"{max(logs):.1f}", f"{wrong[name] / trials:.0%}"])
    _table(f"Date carriers: detection against mixture (marked lab rows among {total:,}; {trials} keys each)",
           ["marked", "rows", "carriers", "detected", "median log10 p", "worst log10 p", "wrong key det."], rows)


def _xlsx_round_trip(df: pd.DataFrame) -> pd.DataFrame:
    """CSV -> mysqldump -> XLSX with real date cells -> read back, as a recipient's conversions would."""
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, sql, xlsx = Path(tmp) / "a.csv", Path(tmp) / "a.sql", Path(tmp) / "a.xlsx"
        mark_io.write_csv(df, csv_path, encoding="cp1252")
        mark_io.write_sql(mark_io.read_csv(csv_path), sql, dialect="mysql")
        mark_io.write_xlsx(mark_io.read_sql(sql)["patients"], xlsx, typed_dates=True)
        return mark_io.read_xlsx(xlsx)["Export"]


def date_attacks(trials: int) -> None:
    """Marked 1,000-row lab tables with their measurements dropped (the dates alone carry), then attacked;
    and 1,000-row stays exports whose times of day are dropped with every invisible carrier scrubbed."""
    attacks = {
        "none": lambda m: m,
        "sorted": lambda m: m.sort_values(["NOM", "DATE_PRELEVEMENT"]),
        "subset 300 rows": lambda m: m.sample(300, random_state=0),
        "subset 150 rows": lambda m: m.sample(150, random_state=0),
        "renamed + reordered": lambda m: m[m.columns[::-1]].set_axis([f"c{i}" for i in range(m.shape[1])], axis=1),
        "re-spelled 2024-03-02": lambda m: m.assign(DATE_PRELEVEMENT=pd.to_datetime(
            m["DATE_PRELEVEMENT"], format="%d/%m/%Y").dt.strftime("%Y-%m-%d")),
        "first name dropped": lambda m: m.drop(columns=["PRENOM"]),
        "CSV -> SQL -> XLSX (real dates)": _xlsx_round_trip,
    }
    hits: dict[str, list] = {a: [] for a in [*attacks, "stays: time of day dropped, invisible scrubbed"]}
    wrong = {a: 0 for a in hits}
    for t in range(trials):
        key, other = _key("date-attack", t), _key("date-attack-wrong", t)
        lab = tm.embed_table(make_lab_table(1000, seed=80_000 + t), key, numeric=True,
                             dates=dm.DEFAULT_POLICY)[0].drop(columns=LAB_MEASURES)
        for name, attack in attacks.items():
            r, w = tm.detect_table(attack(lab), {"r": key, "w": other})
            hits[name].append(r)
            wrong[name] += w.detected
        stays = tm.embed_table(make_patient_table(1000, seed=81_000 + t), key, numeric=True,
                               dates=dm.DEFAULT_POLICY)[0]
        stays = stays.drop(columns=["POIDS_KG", "CREATININE_UMOL_L"]).assign(
            DATE_ENTREE=stays["DATE_ENTREE"].str[:10],
            TELEPHONE=stays["TELEPHONE"].str.replace(r"\D", "", regex=True).str.replace(r"^33", "0", regex=True),
            ADRESSE=stays["ADRESSE"].str.replace(",", "", regex=False))
        r, w = tm.detect_table(stays, {"r": key, "w": other})
        hits["stays: time of day dropped, invisible scrubbed"].append(r)
        wrong["stays: time of day dropped, invisible scrubbed"] += w.detected
    rows = [[name, f"{np.mean([r.detected for r in res]):.0%}", f"{np.median([r.date_votes for r in res]):.0f}",
             f"{np.median([r.combined_log10_p for r in res]):.1f}", f"{max(r.combined_log10_p for r in res):.1f}",
             f"{wrong[name] / trials:.0%}"] for name, res in hits.items()]
    _table(f"Date carriers alone (measurements dropped): attacks on marked 1,000-row tables ({trials} keys)",
           ["attack", "detected", "date votes", "median log10 p", "worst log10 p", "wrong key det."], rows)


def date_collusion(trials: int, rows: int = 5000, recipients: int = 20) -> None:
    """Copies marked only in their dates (lab, measurements dropped) or in dates and invisible carriers (stays,
    measurements dropped); c colluders pick each cell from one copy, or take the majority of three."""
    from tests.beacons.test_tardos_dates import majority_cells, pick_cells

    out = []
    for t in range(trials):
        code = _key("date-collude-code", t)
        keys = {f"r{i}": tm.MarkKey(code, _key("date-collude", t, i)) for i in range(recipients)}
        sources = {"lab: dates only": make_lab_table(rows, seed=90_000 + t).drop(columns=LAB_MEASURES),
                   "stays: dates + invisible": make_patient_table(rows, seed=91_000 + t).drop(
                       columns=["POIDS_KG", "CREATININE_UMOL_L"])}
        for label, src in sources.items():
            copies = [tm.embed_table(src, keys[f"r{i}"], dates=dm.DEFAULT_POLICY)[0] for i in range(3)]
            for c, attack in ((2, "pick"), (3, "pick"), (3, "majority")):
                merged = (pick_cells if attack == "pick" else majority_cells)(copies[:c], seed=t * 10 + c)
                collector = tm.UnitCollector()
                collector.add_table(merged)
                acc = collector.accuse(keys)
                coal = {f"r{i}" for i in range(c)}
                accused = {r.label for r in acc.accused}
                score = {r.label: r.score for r in acc.results}
                out.append((label, c, attack, acc.cells, acc.threshold, len(accused & coal), len(accused - coal),
                            min(score[r] for r in coal), max(v for r, v in score.items() if r not in coal)))
    table = []
    for label in ("lab: dates only", "stays: dates + invisible"):
        for c, attack in ((2, "pick"), (3, "pick"), (3, "majority")):
            got = [o for o in out if o[:3] == (label, c, attack)]
            table.append([label, str(c), attack, f"{np.mean([o[3] for o in got]):,.0f}",
                          f"{np.mean([o[4] for o in got]):,.0f}", f"{np.mean([o[5] >= 1 for o in got]):.0%}",
                          f"{np.mean([o[5] for o in got]):.2f} / {c}", str(sum(o[6] for o in got)),
                          f"{min(o[7] for o in got):,.0f}", f"{max(o[8] for o in got):,.0f}"])
    _table(f"Collusion on dates and invisible carriers ({rows:,} rows, {recipients} recipients, {trials} trial(s))",
           ["cells marked", "colluders", "attack", "cells", "threshold Z", ">=1 accused", "colluders accused",
            "innocents accused", "lowest colluder score", "highest innocent score"], table)


def images(trials: int) -> None:
    rows = []
    rng = np.random.default_rng(3)
    attacks = {
        "none": lambda x: x,
        "PNG 8-bit": lambda x: _export(x, None),
        "JPEG q90": lambda x: _export(x, 90),
        "JPEG q75": lambda x: _export(x, 75),
        "JPEG q50": lambda x: _export(x, 50),
        "crop 10%/side + JPEG q75": lambda x: _export(x[13:243, 13:243], 75),
        "crop 30%/side": lambda x: x[38:218, 38:218],
        "crop 50%/side + JPEG q75": lambda x: _export(x[64:192, 64:192], 75),
    }
    for bits in (8, 12, 16):
        zs: dict[str, list[float]] = {a: [] for a in attacks}
        wrong: dict[str, int] = {a: 0 for a in attacks}
        psnr = []
        for t in range(trials):
            key = _key("img", bits, t)
            img = phantom(rng, 256, 256, bits)
            marked, rep = im.embed_array(img, key, bits_stored=bits)
            psnr.append(rep.psnr_db)
            for name, attack in attacks.items():
                r, w = im.detect_image(attack(marked), {"r": key, "w": _key("img-wrong", bits, t)})
                zs[name].append(r.z)
                wrong[name] += w.detected
        for name in attacks:
            z = np.array(zs[name])
            rows.append([f"{bits}-bit", f"{np.mean(psnr):.2f}", name, f"{np.mean(z > 4.753):.0%}",
                         f"{np.median(z):.1f}", f"{z.min():.1f}", f"{wrong[name] / trials:.0%}"])
    _table(f"Image watermark (256x256 phantoms, {trials} keys per bit depth; detected = p < 1e-6, z > 4.75)",
           ["depth", "PSNR dB", "attack", "detected", "median z", "min z", "wrong key det."], rows)


def _export(pixels: np.ndarray, quality: int | None) -> bytes:
    buf = io.BytesIO()
    im.export_png(pixels, buf, jpeg_quality=quality)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--numeric-only", action="store_true", help="only the numeric-carrier tables")
    parser.add_argument("--collusion-only", action="store_true",
                        help="only the collusion table (Tardos accusation), in a few minutes")
    parser.add_argument("--quick", action="store_true", help="collusion table: 5,000 rows only, one trial")
    parser.add_argument("--rows", default="5000,10000", help="collusion table: table sizes (comma-separated)")
    parser.add_argument("--dates-only", action="store_true", help="only the date-carrier tables")
    args = parser.parse_args()
    start = time.time()
    if args.dates_only:
        date_distortion()
        date_mixture(args.trials)
        date_attacks(max(args.trials // 2, 3))
        date_collusion(max(args.trials // 10, 1))
        print(f"\n(total {time.time() - start:.0f} s)")
        return
    if args.collusion_only or args.quick:
        sizes = (5000,) if args.quick else tuple(int(n) for n in args.rows.split(","))
        collusion(1 if args.quick else max(args.trials // 10, 1), sizes)
        print(f"\n(total {time.time() - start:.0f} s)")
        return
    lab_distortion()
    lab_mixture(args.trials)
    lab_attacks(max(args.trials // 2, 3))
    scrubbed(max(args.trials // 2, 3))
    collusion(max(args.trials // 10, 1))
    date_distortion()
    date_mixture(args.trials)
    date_attacks(max(args.trials // 2, 3))
    date_collusion(max(args.trials // 10, 1))
    if args.numeric_only:
        print(f"\n(total {time.time() - start:.0f} s)")
        return
    pool = pd.concat([make_patient_table(10_000, seed=500 + i, start_ipp=10**6 * i) for i in range(5)])
    rows_kept(args.trials)
    mixture(args.trials, 10_000, pool)
    mixture(max(args.trials // 4, 3), 50_000, pool)
    distortion()
    images(args.trials)
    print(f"\n(total {time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
