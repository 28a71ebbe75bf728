"""Dump generators for the SQL tests: text laid out the way mysqldump 8.0 and pg_dump 16 write it.

mysqldump (``--hex-blob --triggers --routines``, the layout of the public sakila sample dump): the ``/*!40101
SET ...*/;`` header, ``DROP TABLE``/``CREATE TABLE`` with a ``geometry`` column, ``LOCK TABLES``, extended
INSERTs (one per ~1 MB, rows joined by ``,``), BLOB and geometry values as ``0x`` hex (SRID + WKB for a point),
``_binary '...'`` for a binary column without ``--hex-blob``, ``DELIMITER ;;`` triggers and procedures.
pg_dump (plain format): ``SET`` lines, ``CREATE TABLE``, ``COPY ... FROM stdin;`` blocks ending with ``\\.``,
``bytea`` as ``\\\\x..`` hex, ``\\N`` nulls, backslash escapes for tab, line feed and backslash.
"""

from __future__ import annotations

import struct

from tests.engine.records.test_records_csv import make_nir

MYSQL_HEADER = """-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: dpi
-- ------------------------------------------------------
-- Server version\t8.0.36

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!50503 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;
"""

MYSQL_FOOTER = """/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2026-11-30 10:12:44
"""

GIVEN = ["Anne", "Yann", "Soazig", "Erwan", "Maël", "Nolwenn", "Gwenola", "Tanguy"]
FAMILY = ["LE GALL", "MORVAN", "O'NEILL", "KERJEAN", "L'HÉNAFF", "PRIGENT", "LE BRIS", "TANGUY"]


def wkb_point(x: float, y: float, srid: int = 4326) -> bytes:
    """MySQL's internal geometry value: 4-byte SRID, then WKB (little-endian point)."""
    return struct.pack("<I", srid) + struct.pack("<BIdd", 1, 1, x, y)


def mysql_hex(data: bytes) -> str:
    """How ``--hex-blob`` writes a BLOB or geometry value (empty: ``''``)."""
    return "0x" + data.hex().upper() if data else "''"


def mysql_string(text: str) -> str:
    """mysqldump's string escaping (mysql_real_escape_string)."""
    out = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return "'" + out.replace("\0", "\\0").replace("\x1a", "\\Z") + "'"


def patient(k: int) -> dict:
    """A deterministic patient ``k`` (valid NIR, IPP with leading zeros)."""
    year = 1930 + k % 70
    month = 1 + k % 12
    sex = 1 + k % 2
    return {
        "id": k, "ipp": f"{k:08d}", "nir": make_nir(sex, year, month, "29", 1 + k % 900, 1 + k % 997),
        "nom": FAMILY[k % len(FAMILY)], "prenom": GIVEN[k % len(GIVEN)], "ddn": f"{year}-{month:02d}-{1 + k % 28:02d}",
        "sexe": "MF"[sex - 1], "poids": -1.5e-3 * k if k % 5 == 0 else 60 + k % 40,
    }


def mysqldump(patients: int, *, per_statement: int = 500, malformed_at: int | None = None,
              with_routines: bool = True) -> str:
    """A mysqldump --hex-blob of a ``patients`` table with a photo BLOB and a geometry column, plus settings."""
    lines = [MYSQL_HEADER]
    lines.append("""--
-- Table structure for table `patients`
--

DROP TABLE IF EXISTS `patients`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE `patients` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `ipp` varchar(20) NOT NULL,
  `nir` char(15) DEFAULT NULL,
  `nom` varchar(80) NOT NULL,
  `prenom` varchar(80) NOT NULL,
  `ddn` date DEFAULT NULL,
  `sexe` enum('M','F') DEFAULT NULL,
  `poids` double DEFAULT NULL,
  `photo` blob,
  `badge` varbinary(16) DEFAULT NULL,
  `location` geometry NOT NULL /*!80003 SRID 4326 */,
  `last_update` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  KEY `idx_nom` (`nom`,`prenom`),
  SPATIAL KEY `idx_location` (`location`)
) ENGINE=InnoDB AUTO_INCREMENT={auto} DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `patients`
--

LOCK TABLES `patients` WRITE;
/*!40000 ALTER TABLE `patients` DISABLE KEYS */;
""".replace("{auto}", str(patients + 1)))
    rows = []
    for k in range(1, patients + 1):
        p = patient(k)
        photo = bytes([0xFF, 0xD8, 0xFF, 0xE0]) + k.to_bytes(4, "big") + b"\x00'\\;),(" if k % 3 else b""
        badge = "NULL" if k % 4 == 0 else f"_binary {mysql_string(chr(k % 90 + 32) + chr(0) + chr(39))}"
        row = (f"({p['id']},{mysql_string(p['ipp'])},{mysql_string(p['nir']) if k % 7 else 'NULL'},"
               f"{mysql_string(p['nom'])},{mysql_string(p['prenom'])},'{p['ddn']}','{p['sexe']}',{p['poids']!r},"
               f"{mysql_hex(photo)},{badge},{mysql_hex(wkb_point(-4.48 + k / 1e4, 48.39))},'2026-11-30 10:12:{k % 60:02d}')")
        if k == malformed_at:
            row = f"({p['id']},{mysql_string(p['ipp'])},,'broken' 'row',0xZZ)"
        rows.append(row)
    for start in range(0, len(rows), per_statement):
        lines.append("INSERT INTO `patients` VALUES " + ",".join(rows[start:start + per_statement]) + ";\n")
    lines.append("""/*!40000 ALTER TABLE `patients` ENABLE KEYS */;
UNLOCK TABLES;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `patients_audit` AFTER INSERT ON `patients` FOR EACH ROW BEGIN
    INSERT INTO audit (patient_id, action) VALUES (new.id, 'insert');
  END */;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
""")
    if with_routines:
        lines.append("""DELIMITER ;;
CREATE DEFINER=`root`@`localhost` PROCEDURE `add_patient`(IN p_nom VARCHAR(80))
BEGIN
  INSERT INTO patients (nom, prenom) VALUES (p_nom, CONCAT('x', p_nom));
  SELECT COUNT(*) FROM patients;
END ;;
DELIMITER ;
""")
    lines.append("""
--
-- Table structure for table `settings`
--

DROP TABLE IF EXISTS `settings`;
CREATE TABLE `settings` (
  `name` varchar(40) NOT NULL,
  `value` text,
  PRIMARY KEY (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

LOCK TABLES `settings` WRITE;
INSERT INTO `settings` VALUES ('version','8.0'),('threshold','-2.5E-3'),('blob',0x00FF);
UNLOCK TABLES;

--
-- Table structure for table `contacts`
--

DROP TABLE IF EXISTS `contacts`;
CREATE TABLE `contacts` (
  `ipp` varchar(20) NOT NULL,
  `telephone` varchar(20) DEFAULT NULL,
  `email` varchar(120) DEFAULT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

LOCK TABLES `contacts` WRITE;
INSERT INTO `contacts` VALUES ('00000001','0298123456','a.legall@example.fr'),('00000002',NULL,'b@example.fr');
UNLOCK TABLES;
""")
    lines.append(MYSQL_FOOTER)
    return "".join(lines)


def copy_text(value: str | None) -> str:
    """pg_dump's COPY text escaping."""
    if value is None:
        return "\\N"
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"))


def pg_dump(patients: int, *, malformed_at: int | None = None) -> str:
    """A pg_dump plain-format dump of a ``patients`` table (bytea photo, a note with escapes)."""
    out = ["""--
-- PostgreSQL database dump
--

-- Dumped from database version 16.10
-- Dumped by pg_dump version 16.10

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: patients; Type: TABLE; Schema: public; Owner: dpi
--

CREATE TABLE public.patients (
    id integer NOT NULL,
    ipp character varying(20) NOT NULL,
    nir character(15),
    nom text NOT NULL,
    prenom text NOT NULL,
    ddn date,
    photo bytea,
    note text
);


ALTER TABLE public.patients OWNER TO dpi;

--
-- Data for Name: patients; Type: TABLE DATA; Schema: public; Owner: dpi
--

COPY public.patients (id, ipp, nir, nom, prenom, ddn, photo, note) FROM stdin;
"""]
    for k in range(1, patients + 1):
        p = patient(k)
        note = None if k % 4 == 0 else f"ligne 1\n\tsuite \\ fin {k}"
        photo = "\\\\x" + (b"\x89PNG" + k.to_bytes(4, "big")).hex()
        fields = [str(k), p["ipp"], p["nir"] if k % 7 else "\\N", copy_text(p["nom"]), copy_text(p["prenom"]),
                  p["ddn"], photo, copy_text(note)]
        line = "\t".join(fields)
        if k == malformed_at:
            line = f"{k}\t{p['ipp']}\ttoo few fields"
        out.append(line + "\n")
    out.append("""\\.


--
-- Name: patients patients_pkey; Type: CONSTRAINT; Schema: public; Owner: dpi
--

ALTER TABLE ONLY public.patients
    ADD CONSTRAINT patients_pkey PRIMARY KEY (id);


--
-- PostgreSQL database dump complete
--

""")
    return "".join(out)
