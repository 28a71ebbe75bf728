/*
 * French health identifiers. These rules say THAT an item holds identifier-shaped values; they do not count
 * them: YARA stops recording a string after a cap and checks no check digit. Counts in the report come from
 * the check-digit-validated identifier scanner (workbench.engine.identifiers).
 */

rule nir_unspaced : identifier
{
    meta:
        description = "NIR / INS shaped 15-character number (sex, year, month, department incl. 2A/2B), no key check"
        author = "Balise Workbench"
        category = "identifier"
        severity = "warning"
        note = "presence only: counts are NOT from YARA (capped, unvalidated); see the identifier scanner"
    strings:
        // the leading separator is an explicit set (not [^0-9A-Za-z]): a class holding NUL makes every byte of
        // zero-filled binaries (disk images, page files) an atom, and the scan crawls at 14 MB/s
        $nir = /[\t\n\r "',;:|=^(>\[][1-478][0-9]{2}(0[1-9]|1[0-2]|[2-3][0-9]|4[0-2]|[5-9][0-9])([0-9]{2}|2[AB])[0-9]{8}[^0-9A-Za-z]/
    condition:
        $nir
}

rule nir_spaced : identifier
{
    meta:
        description = "NIR / INS written in groups: 1 85 05 78 006 084 91 (spaces, dots or dashes), no key check"
        author = "Balise Workbench"
        category = "identifier"
        severity = "warning"
        note = "presence only: counts are NOT from YARA (capped, unvalidated); see the identifier scanner"
    strings:
        // one string per separator: a class of separators ([ .-]) makes this rule 7x slower on digit-dense data
        $space = /[1-478] [0-9]{2} (0[1-9]|1[0-2]|[2-3][0-9]|4[0-2]|[5-9][0-9]) ([0-9]{2}|2[AB]) [0-9]{3} [0-9]{3} [0-9]{2}[^0-9]/
        $dot = /[1-478]\.[0-9]{2}\.(0[1-9]|1[0-2]|[2-3][0-9]|4[0-2]|[5-9][0-9])\.([0-9]{2}|2[AB])\.[0-9]{3}\.[0-9]{3}\.[0-9]{2}[^0-9]/
        $dash = /[1-478]-[0-9]{2}-(0[1-9]|1[0-2]|[2-3][0-9]|4[0-2]|[5-9][0-9])-([0-9]{2}|2[AB])-[0-9]{3}-[0-9]{3}-[0-9]{2}[^0-9]/
    condition:
        any of them
}

rule nir_with_keyword : identifier
{
    meta:
        description = "A number labelled as a social security number / NIR / INS"
        author = "Balise Workbench"
        category = "identifier"
        severity = "high"
        note = "presence only: counts are NOT from YARA; see the identifier scanner"
    strings:
        $k1 = /n(um|o|\xb0|\xc2\xb0)?[ .]{0,3}(de )?s(e|\xc3\xa9|\xe9)cu(rit(e|\xc3\xa9|\xe9) sociale)?[^0-9]{1,12}[1-478][ .\-]?[0-9]{2}/ nocase
        $k2 = /matricule[^0-9]{1,12}[1-478][ .\-]?[0-9]{2}[ .\-]?[0-9]{2}/ nocase
        $k3 = /\bnir\b[^0-9]{1,12}[1-478][ .\-]?[0-9]{2}[ .\-]?[0-9]{2}/ nocase
        $k4 = "num_secu" nocase
        $k5 = "numero_securite_sociale" nocase
    condition:
        any of them
}

rule ins_qualified_identity : identifier
{
    meta:
        description = "INS (Identifiant National de Sante) OIDs: INS-NIR 1.2.250.1.213.1.4.8, INS-NIA 1.2.250.1.213.1.4.9"
        author = "Balise Workbench"
        category = "identifier"
        severity = "high"
    strings:
        $nir_oid = "1.2.250.1.213.1.4.8" ascii wide
        $nia_oid = "1.2.250.1.213.1.4.9" ascii wide
        $ins_nir = "INS-NIR" ascii wide
    condition:
        any of them
}

rule finess_with_keyword : identifier
{
    meta:
        description = "FINESS establishment number next to its label (FINESS, EJ/EG) or its OID"
        author = "Balise Workbench"
        category = "identifier"
        severity = "info"
    strings:
        $label = /finess( (ej|eg|juridique|g\xc3\xa9ographique|geographique))?[^0-9A-Za-z]{1,20}([0-9]{2}|2[AB])[0-9]{7}[^0-9]/ nocase
        $oid = /([0-9]{2}|2[AB])[0-9]{7}[&^]{1,3}1\.2\.250\.1\.71\.4\.2\.2/
        $hl7 = /\|([0-9]{2}|2[AB])[0-9]{7}\^[^|^\r\n]{0,80}\^FINESS/ nocase
    condition:
        any of them
}

rule rpps_with_keyword : identifier
{
    meta:
        description = "RPPS (health professional) number next to its label or the PS OID 1.2.250.1.71.4.2.1"
        author = "Balise Workbench"
        category = "identifier"
        severity = "warning"
    strings:
        $label = /rpps[^0-9A-Za-z]{1,20}8?1[0-9]{10}[^0-9]/ nocase
        $hl7 = /[|~^]8?1[0-9]{10}\^[^|\r\n]{0,120}1\.2\.250\.1\.71\.4\.2\.1/
    condition:
        any of them
}
