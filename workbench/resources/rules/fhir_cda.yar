/* HL7 FHIR resources and CDA R2 clinical documents (French CI-SIS profiles included). */

rule fhir_patient_json : health_data
{
    meta:
        description = "FHIR Patient resource (JSON)"
        author = "Balise Workbench"
        category = "health-data"
        severity = "high"
    strings:
        $rt = /"resourceType"\s{0,4}:\s{0,4}"Patient"/
    condition:
        $rt
}

rule fhir_patient_xml : health_data
{
    meta:
        description = "FHIR Patient resource (XML)"
        author = "Balise Workbench"
        category = "health-data"
        severity = "high"
    strings:
        $p = /<Patient[^>]{0,200}xmlns="http:\/\/hl7\.org\/fhir"/
    condition:
        $p
}

rule fhir_french_profiles : health_data
{
    meta:
        description = "FHIR resources using French national profiles (fr-core, INS identifier systems)"
        author = "Balise Workbench"
        category = "health-data"
        severity = "warning"
    strings:
        $frcore = "hl7.fr/ig/fhir/core" ascii wide
        $ins = "urn:oid:1.2.250.1.213.1.4.8" ascii wide
        $rt = "\"resourceType\""
    condition:
        $rt and ($frcore or $ins)
}

rule cda_clinical_document : health_data
{
    meta:
        description = "HL7 CDA R2 clinical document (ClinicalDocument in the urn:hl7-org:v3 namespace)"
        author = "Balise Workbench"
        category = "health-data"
        severity = "high"
    strings:
        $root = "<ClinicalDocument" ascii wide
        $ns = "urn:hl7-org:v3" ascii wide
        $patient = "<patientRole" ascii wide
    condition:
        $root and $ns and $patient
}

rule cda_french_cisis : health_data
{
    meta:
        description = "CDA document following the French CI-SIS header template (DMP documents)"
        author = "Balise Workbench"
        category = "health-data"
        severity = "high"
    strings:
        $root = "<ClinicalDocument" ascii wide
        $cisis = "1.2.250.1.213.1.1.1.1" ascii wide
    condition:
        $root and $cisis
}
