/* DICOM objects (medical images) with or without the Part 10 preamble. */

rule dicom_part10 : format
{
    meta:
        description = "DICOM Part 10 file: 'DICM' magic after the 128-byte preamble"
        author = "Balise Workbench"
        category = "format"
        severity = "info"
    condition:
        filesize > 132 and uint32be(128) == 0x4449434D
}

rule dicom_raw_dataset : format
{
    meta:
        description = "DICOM data set without preamble: starts with a group 0008 element (explicit or implicit VR, little endian)"
        author = "Balise Workbench"
        category = "format"
        severity = "info"
    condition:
        filesize > 16 and uint16(0) == 0x0008 and
        (uint16(2) == 0x0005 or uint16(2) == 0x0008 or uint16(2) == 0x0012 or uint16(2) == 0x0016 or uint16(2) == 0x0018) and
        (uint16be(4) == 0x4353 or uint16be(4) == 0x5549 or uint16be(4) == 0x4441 or uint32(4) < 0x100) and
        not (filesize > 132 and uint32be(128) == 0x4449434D)
}

rule dicom_patient_module : health_data
{
    meta:
        description = "DICOM object with patient module elements (PatientName, PatientID, PatientBirthDate; explicit VR LE)"
        author = "Balise Workbench"
        category = "health-data"
        severity = "high"
    strings:
        $name = { 10 00 10 00 50 4E }
        $id = { 10 00 20 00 4C 4F }
        $birth = { 10 00 30 00 44 41 }
    condition:
        ((filesize > 132 and uint32be(128) == 0x4449434D) or uint16(0) == 0x0008) and 2 of them
}
