/*
 * Third-party honeytokens (Thinkst Canarytokens). They fire by a network call (DNS/HTTP/MySQL) when opened or
 * imported: the workbench only RECOGNISES them. NEVER resolve, open or contact the hosts they name.
 */

rule canarytoken_mysql_dump : honeytoken
{
    meta:
        description = "Canarytokens MySQL dump token: replication statement that makes an importing server call home"
        author = "Balise Workbench"
        category = "honeytoken"
        severity = "high"
        note = "never resolve or contact the host in the token"
    strings:
        $master = "CHANGE MASTER TO MASTER_PASSWORD=" nocase
        $source = "CHANGE REPLICATION SOURCE TO SOURCE_PASSWORD=" nocase
        $retry1 = "MASTER_RETRY_COUNT=1" nocase
        $retry2 = "SOURCE_RETRY_COUNT=1" nocase
        $exfil = "@@lc_time_names, @@hostname" nocase
        $setbb = "SET @bb = CONCAT(" nocase
    condition:
        ($master or $source) and ($retry1 or $retry2 or $exfil or $setbb)
}

rule canarytoken_mysql_dump_encoded : honeytoken
{
    meta:
        description = "Canarytokens MySQL dump token, base64- or hex-encoded and executed through PREPARE/EXECUTE"
        author = "Balise Workbench"
        category = "honeytoken"
        severity = "high"
        note = "never resolve or contact the host in the token"
    strings:
        $b64_master = "CHANGE MASTER TO MASTER_" base64
        $b64_source = "CHANGE REPLICATION SOURCE TO SOURCE_" base64
        $b64_prefix = "U0VUIEBiYiA9IENPTkNBVCgiQ0hBTkdF"
        $hex_master = "4348414E4745204D415354455220544F204D41535445525F" nocase
        $hex_source = "4348414E4745205245504C49434154494F4E20534F5552434520544F20534F555243455F" nocase
        $from_b64 = "FROM_BASE64(@b)" nocase
        $prepare = "PREPARE stmt1 FROM @s2" nocase
        $execute = "PREPARE stmt2 FROM @bb" nocase
    condition:
        any of ($b64_*, $hex_*) or ($from_b64 and $prepare and $execute)
}

rule canarytoken_host : honeytoken
{
    meta:
        description = "Reference to a Canarytokens callback host or URL (document, web bug, DNS tokens)"
        author = "Balise Workbench"
        category = "honeytoken"
        severity = "high"
        note = "never resolve or contact the host"
    strings:
        $com = /[a-z0-9]{20,30}\.canarytokens\.(com|net|org)/ nocase ascii wide
        $url = /canarytokens\.(com|net|org)\/[a-z0-9\/._-]{0,80}[a-z0-9]{25}/ nocase ascii wide
    condition:
        any of them
}

rule canarytoken_office_document : honeytoken
{
    meta:
        description = "Office Open XML part with an external relationship to a Canarytokens URL (Word / Excel document token)"
        author = "Balise Workbench"
        category = "honeytoken"
        severity = "high"
        note = "never resolve or contact the host"
    strings:
        $rels = "schemas.openxmlformats.org/package/2006/relationships"
        $external = "TargetMode=\"External\""
        $include = "INCLUDEPICTURE" nocase
        $canary = /canarytokens\.(com|net|org)/ nocase
    condition:
        $canary and (($rels and $external) or $include)
}

rule canarytoken_pdf : honeytoken
{
    meta:
        description = "PDF whose uncompressed objects reference a Canarytokens host (Acrobat Reader token)"
        author = "Balise Workbench"
        category = "honeytoken"
        severity = "high"
        note = "never resolve or contact the host; the callback may also sit in a compressed stream (see the pdf-text layer)"
    strings:
        $canary = /canarytokens\.(com|net|org)/ nocase
    condition:
        uint32be(0) == 0x25504446 and $canary
}
