/*
 * HPRIM: French lab and radiology result exchange.
 * - HPRIM Sante (ASTM E1394-based records H, P, OBR, OBX, L; delimiters |, ~ or \, ^, &).
 * - HPRIM Medecins / HPRIM Net (text report with a 12-13 line identity header, ****LAB**** blocks of RES| lines,
 *   ending with ****FIN**** or ****FINFICHIER****).
 */

rule hprim_sante : health_data
{
    meta:
        description = "HPRIM Sante message: H header record at a line start, patient (P) record, results"
        author = "Balise Workbench"
        category = "health-data"
        severity = "high"
    strings:
        $h1 = "H|~^\\&|"
        $h2 = "H|^~\\&|"
        $h3 = "H|\\^&|"
        $p1 = "\rP|"
        $p2 = "\nP|"
        $r1 = "\rOBX|"
        $r2 = "\nOBX|"
        $r3 = "\rOBR|"
        $r4 = "\nOBR|"
        $l1 = "\rL|"
        $l2 = "\nL|"
    condition:
        (for any of ($h*) : ($ at 0 or uint8(@ - 1) == 0x0A or uint8(@ - 1) == 0x0D)) and
        any of ($p*) and any of ($r*, $l*)
}

rule hprim_medecins : health_data
{
    meta:
        description = "HPRIM Medecins / HPRIM Net report (****LAB**** result block or ****FIN**** end marks)"
        author = "Balise Workbench"
        category = "health-data"
        severity = "high"
    strings:
        $lab = "****LAB****"
        $finlab = "****FINLAB****"
        $fin = "****FIN****"
        $finfichier = "****FINFICHIER****"
        $res = "\nRES|"
    condition:
        ($lab and ($res or $finlab)) or ($finfichier) or ($fin and $res)
}
