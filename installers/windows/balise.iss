; Inno Setup script: Windows installer for the standalone Balise Workbench folder (dist\balise).
; Build on Windows after `pyinstaller installers\pyinstaller\balise.spec` (see README.md, "Installing on an air-gapped laptop"):
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 installers\windows\balise.iss
; Output: dist\BaliseWorkbench-<version>-setup.exe. Installs per user (no administrator rights needed).
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define Root AddBackslash(SourcePath) + "..\.."

[Setup]
AppId={{6F1C2B7E-5A4D-4C1B-9E2F-BA115E000001}
AppName=Balise Workbench
AppVersion={#AppVersion}
AppPublisher=Balise
DefaultDirName={localappdata}\Programs\Balise Workbench
DefaultGroupName=Balise Workbench
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist
OutputBaseFilename=BaliseWorkbench-{#AppVersion}-setup
SetupIconFile={#Root}\build\icons\balise.ico
UninstallDisplayIcon={app}\balise-workbench.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "french"; MessagesFile: "compiler:Languages\French.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Files]
Source: "{#Root}\dist\balise\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\Balise Workbench"; Filename: "{app}\balise-workbench.exe"
Name: "{group}\Balise doctor"; Filename: "{cmd}"; Parameters: "/k ""{app}\balise.exe"" doctor"
Name: "{userdesktop}\Balise Workbench"; Filename: "{app}\balise-workbench.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Run]
Filename: "{app}\balise.exe"; Parameters: "doctor"; Flags: runhidden waituntilterminated; StatusMsg: "balise doctor..."
Filename: "{app}\balise-workbench.exe"; Description: "{cm:LaunchProgram,Balise Workbench}"; Flags: nowait postinstall skipifsilent
