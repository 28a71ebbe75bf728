/* HL7 v2 messages (ER7 encoding), as exchanged by French hospital systems (IHE PAM France, ORU lab results). */

rule hl7v2_message : format
{
    meta:
        description = "HL7 v2 message header segment (MSH with the standard encoding characters)"
        author = "Balise Workbench"
        category = "format"
        severity = "info"
    strings:
        $msh = "MSH|^~\\&|"
    condition:
        $msh
}

rule hl7v2_patient_data : health_data
{
    meta:
        description = "HL7 v2 message carrying a patient identification segment (PID)"
        author = "Balise Workbench"
        category = "health-data"
        severity = "high"
    strings:
        $msh = "MSH|^~\\&|"
        $pid_cr = "\rPID|"
        $pid_lf = "\nPID|"
    condition:
        $msh and ($pid_cr or $pid_lf)
}

rule hl7v2_results : health_data
{
    meta:
        description = "HL7 v2 observation results (OBR/OBX segments): lab or imaging results"
        author = "Balise Workbench"
        category = "health-data"
        severity = "high"
    strings:
        $msh = "MSH|^~\\&|"
        $obx_cr = "\rOBX|"
        $obx_lf = "\nOBX|"
        $oru = "ORU^R01"
    condition:
        $msh and ($obx_cr or $obx_lf or $oru)
}
