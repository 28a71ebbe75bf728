/*
 * French medical vocabulary of lab reports, discharge letters and prescriptions. Accented words are listed in
 * their UTF-8, cp1252/latin-1 and unaccented spellings (exports drop accents); wide for UTF-16 documents.
 * Each rule needs several terms: one word alone proves nothing.
 */

rule lab_report_fr : health_data
{
    meta:
        description = "French lab report (biologie medicale): several analyte and report terms"
        author = "Balise Workbench"
        category = "health-data"
        severity = "high"
    strings:
        $a1 = "moglobine" nocase ascii wide
        $a2 = "atinine" nocase ascii wide
        $a3 = "leucocytes" nocase ascii wide
        $a4 = "plaquettes" nocase ascii wide
        $a5 = "matocrite" nocase ascii wide
        $a6 = "glycemie" nocase ascii wide
        $a7 = "glyc\xc3\xa9mie" nocase
        $a8 = "glyc\xe9mie" nocase
        $a9 = "ferritine" nocase ascii wide
        $a10 = "transaminases" nocase ascii wide
        $a11 = "valeurs de r" nocase ascii wide
        $a12 = "biologiste" nocase ascii wide
        $a13 = "prelevement" nocase ascii wide
        $a14 = "pr\xc3\xa9l\xc3\xa8vement" nocase
        $a15 = "pr\xe9l\xe8vement" nocase
        $a16 = "kali\xc3\xa9mie" nocase
        $a17 = "natr\xc3\xa9mie" nocase
        $a18 = "TSH" fullword ascii wide
        $a19 = "CRP" fullword ascii wide
    condition:
        4 of them
}

rule discharge_letter_fr : health_data
{
    meta:
        description = "French hospital letter (compte rendu d'hospitalisation, lettre de liaison): several section terms"
        author = "Balise Workbench"
        category = "health-data"
        severity = "high"
    strings:
        $l1 = "cher confr" nocase ascii wide
        $l2 = "ch\xc3\xa8re cons" nocase
        $l3 = "chere cons" nocase ascii wide
        $l4 = "ch\xe8re cons" nocase
        $l5 = "compte rendu d" nocase ascii wide
        $l6 = "compte-rendu d" nocase ascii wide
        $l7 = "antecedents" nocase ascii wide
        $l8 = "ant\xc3\xa9c\xc3\xa9dents" nocase
        $l9 = "ant\xe9c\xe9dents" nocase
        $l10 = "histoire de la maladie" nocase ascii wide
        $l11 = "traitement de sortie" nocase ascii wide
        $l12 = "motif d" nocase ascii wide
        $l13 = "lettre de liaison" nocase ascii wide
        $l14 = "examen clinique" nocase ascii wide
        $l15 = "hospitalisation" nocase ascii wide
        $l16 = "confraternellement" nocase ascii wide
    condition:
        4 of them
}

rule prescription_fr : health_data
{
    meta:
        description = "French prescription (ordonnance): the word and dosage vocabulary"
        author = "Balise Workbench"
        category = "health-data"
        severity = "high"
    strings:
        $o = "ordonnance" nocase ascii wide
        $p1 = "posologie" nocase ascii wide
        $p2 = "comprim" nocase ascii wide
        $p3 = "fois par jour" nocase ascii wide
        $p4 = "renouvel" nocase ascii wide
        $p5 = "QSP" fullword ascii wide
        $p6 = "g\xc3\xa9lule" nocase
        $p7 = "gelule" nocase ascii wide
        $p8 = "pendant" nocase ascii wide
        $p9 = " mg " nocase ascii wide
    condition:
        $o and 3 of ($p*)
}
