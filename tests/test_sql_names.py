"""The one reading of SQL identifiers and CREATE TABLE columns shared by the record parser and the watermark."""

from __future__ import annotations

import pytest

from workbench.sql_names import column_names, split_top_level, table_name, unquote_identifier


@pytest.mark.parametrize(("raw", "name"), [
    ("`patients`", "patients"), ('"Patients ""A"""', 'Patients "A"'), ("[dbo]", "dbo"), ("nom", "nom"),
    ("`we``ird`", "we`ird"),
])
def test_unquote_identifier(raw: str, name: str) -> None:
    assert unquote_identifier(raw) == name


def test_table_name_joins_the_qualified_parts() -> None:
    assert table_name("`dpi`.`patients`") == "dpi.patients"
    assert table_name('"public"."Séjours"') == "public.Séjours"


def test_split_top_level_ignores_commas_in_quotes_and_parentheses() -> None:
    body = "a DECIMAL(10,2), b varchar(8) DEFAULT 'x,y', `c,d` int, \"e\"\"f,\" text"
    assert split_top_level(body) == ["a DECIMAL(10,2)", "b varchar(8) DEFAULT 'x,y'", "`c,d` int",
                                     '"e""f," text']


def test_column_names_of_a_mysqldump_create_table() -> None:
    """As mysqldump 8 writes sakila's ``address``: a versioned comment is a column, keys and constraints are
    not, a plain comment is dropped."""
    body = """
  `address_id` smallint unsigned NOT NULL AUTO_INCREMENT,
  `address` varchar(50) NOT NULL COMMENT 'rue, numéro',
  `district` varchar(20) NOT NULL DEFAULT 'a,b' /* ancien, champ */,
  /*!50705 `location` geometry NOT NULL,*/
  `last_update` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`address_id`),
  KEY `idx_fk_city_id` (`district`,`address`),
  SPATIAL KEY `idx_location` (`location`),
  CONSTRAINT `fk_address_city` FOREIGN KEY (`district`) REFERENCES `city` (`city_id`) ON UPDATE CASCADE
"""
    assert column_names(body) == ["address_id", "address", "district", "location", "last_update"]


def test_a_quoted_column_named_like_a_keyword_is_a_column() -> None:
    assert column_names('"key" text, `primary` int, UNIQUE (x)') == ["key", "primary"]
