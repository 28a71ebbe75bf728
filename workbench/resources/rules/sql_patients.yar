/* SQL dumps (MySQL, PostgreSQL, SQL Server, SQLite text dumps) of tables describing patients. */

rule sql_patient_table : health_data
{
    meta:
        description = "CREATE TABLE with patient identity columns (nom, prenom, date_naissance, nir / num_secu, ipp...)"
        author = "Balise Workbench"
        category = "health-data"
        severity = "high"
    strings:
        $create = "CREATE TABLE" nocase
        $c_nom = /[`"\[ ,(]nom(_usuel|_naissance|_patient|_famille)?[`"\]]? {1,4}(n?var)?char/ nocase
        $c_prenom = /[`"\[ ,(]pr(e|\xc3\xa9|\xe9)nom[a-z_]{0,10}[`"\]]? / nocase
        $c_ddn = /[`"\[ ,(](date_?naissance|date_de_naissance|ddn|dt_naiss[a-z]{0,5})[`"\]]? / nocase
        $c_nir = /[`"\[ ,(](nir|num_?secu|no_?secu|numero_?secu[a-z_]{0,16}|nss|ins|matricule_ins)[`"\]]? / nocase
        $c_ipp = /[`"\[ ,(](ipp|id_patient|patient_id|num_dossier|nda)[`"\]]? / nocase
        $c_sexe = /[`"\[ ,(](sexe|civilite)[`"\]]? / nocase
    condition:
        $create and 3 of ($c_*)
}

rule sql_patient_insert : health_data
{
    meta:
        description = "INSERT / COPY of rows into a table named like a patient table"
        author = "Balise Workbench"
        category = "health-data"
        severity = "warning"
    strings:
        $ins = /INSERT INTO [`"\[]?(dbo\.|public\.)?[`"\[]?(patients?|t_patients?|pat_identite|identite_patient|personnes?|malades?|sejours?|admissions?)[`"\]]? /  nocase
        $copy = /COPY (public\.)?(patients?|identite_patient|sejours?) \(/ nocase
    condition:
        any of them
}
