# Install Balise Workbench from this offline wheelhouse folder (Windows amd64). No network.
#
#   powershell -ExecutionPolicy Bypass -File install.ps1 [-Venv DIR] [-Python py.exe-or-python.exe]
#
# 1. verifies every file against SHA256SUMS (refuses on any mismatch, missing or unlisted wheel);
# 2. creates a new virtual environment and installs with pip --no-index --find-links (never the network);
# 3. unpacks libmagic.dll and magic.mgc from the python-magic-bin wheel into <venv>\libmagic
#    (workbench.engine.environment.configure_libmagic() finds them there);
# 4. runs `balise doctor`, whose exit status is this script's.
param(
    [string]$Venv = "$env:USERPROFILE\balise-workbench",
    [string]$Python = "py"
)
$ErrorActionPreference = "Stop"
$Here = Split-Path -Parent $MyInvocation.MyCommand.Path

function Fail([string]$Message) { Write-Error "install.ps1: $Message"; exit 1 }

# ---------------------------------------------------------------------------------------------- 1. hashes
$Sums = Join-Path $Here "SHA256SUMS"
if (-not (Test-Path $Sums)) { Fail "SHA256SUMS is missing: this folder is not a complete wheelhouse" }
$Listed = @{}
foreach ($line in Get-Content $Sums) {
    if ($line -notmatch '^([0-9a-f]{64})  (.+)$') { continue }
    $expected = $Matches[1]; $rel = $Matches[2]
    $path = Join-Path $Here $rel
    if (-not (Test-Path -LiteralPath $path)) { Fail "REFUSED: $rel is missing" }
    $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $path).Hash.ToLower()
    if ($actual -ne $expected) { Fail "REFUSED: $rel does not match SHA256SUMS (altered or damaged copy)" }
    $Listed[$rel] = $true
}
foreach ($whl in Get-ChildItem -Path $Here -Filter *.whl) {
    if (-not $Listed.ContainsKey($whl.Name)) { Fail "REFUSED: $($whl.Name) is not listed in SHA256SUMS" }
}
Write-Host "hashes: $($Listed.Count) files verified"

# ---------------------------------------------------------------------------------------------- 2. Python, venv
$PyArgs = @()
if ($Python -eq "py") { $PyArgs = @("-3.12"); & py -3.12 -c "pass" 2>$null; if ($LASTEXITCODE -ne 0) { $PyArgs = @("-3.11") } }
$PyVer = & $Python @PyArgs -c "import sys; print('%d.%d' % sys.version_info[:2])"
if ($LASTEXITCODE -ne 0) { Fail "Python not found: install Python 3.11 or 3.12 (python.org installer) first" }
if ($PyVer -ne "3.11" -and $PyVer -ne "3.12") { Fail "Python $PyVer found; this wheelhouse holds wheels for 3.11 and 3.12 only" }
if (Test-Path $Venv) { Fail "$Venv already exists: choose another -Venv or remove it" }
Write-Host "creating $Venv with Python $PyVer"
& $Python @PyArgs -m venv $Venv
if ($LASTEXITCODE -ne 0) { Fail "python -m venv failed" }
$VPy = Join-Path $Venv "Scripts\python.exe"
$env:PIP_NO_INDEX = "1"; $env:PIP_DISABLE_PIP_VERSION_CHECK = "1"
& $VPy -m pip install --no-index --find-links $Here --no-cache-dir balise-workbench
if ($LASTEXITCODE -ne 0) { Fail "pip install failed" }

# ---------------------------------------------------------------------------------------------- 3. libmagic
$MagicBin = Get-ChildItem -Path $Here -Filter "python_magic_bin-*-win_amd64.whl" | Select-Object -First 1
if (-not $MagicBin) { Fail "python_magic_bin wheel missing: this is not a Windows wheelhouse" }
Add-Type -AssemblyName System.IO.Compression.FileSystem
$Dest = Join-Path $Venv "libmagic"
New-Item -ItemType Directory -Force -Path $Dest | Out-Null
$Zip = [System.IO.Compression.ZipFile]::OpenRead($MagicBin.FullName)
try {
    foreach ($name in @("magic/libmagic/libmagic.dll", "magic/libmagic/magic.mgc")) {
        $entry = $Zip.GetEntry($name)
        if (-not $entry) { Fail "$name not found in $($MagicBin.Name)" }
        [System.IO.Compression.ZipFileExtensions]::ExtractToFile($entry, (Join-Path $Dest (Split-Path $name -Leaf)), $true)
    }
} finally { $Zip.Dispose() }
Write-Host "libmagic: $Dest"

# ---------------------------------------------------------------------------------------------- 4. check
Write-Host ""
Write-Host "installed: $Venv\Scripts\balise.exe and $Venv\Scripts\balise-workbench.exe"
& (Join-Path $Venv "Scripts\balise.exe") doctor
exit $LASTEXITCODE
