; NSIS script of the Windows installer: a per-user install that needs no administrator rights.
;
; Compiled by `python packaging/build.py windows` (packaging/windows.py), which passes:
;   VERSION      the app's version from pyproject.toml, e.g. 0.1.0
;   VI_VERSION   the same as four numbers, e.g. 0.1.0.0 (Windows' file version format)
;   FILES_NSH    an include written for this bundle: the macros InstallFiles and
;                UninstallFiles, one File / Delete line per file of the one-dir bundle, so the
;                uninstaller removes exactly what was installed and nothing the user put there
;   ICON         the app icon (.ico, made from the PNGs by the build step)
;   OUTFILE      the installer to write
; Debian's makensis compiles it on Linux against a stand-in bundle in the unit tests.
;
; Installs into %LOCALAPPDATA%\Programs\chat_desktop (the per-user Programs folder), adds a
; Start-menu shortcut and an Add/Remove Programs entry under HKCU. The user's data folder
; (%LOCALAPPDATA%\chat_desktop) is never touched: uninstalling keeps the vault.

Unicode true
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma

!ifndef VERSION | VI_VERSION | FILES_NSH | ICON | OUTFILE
  !error "pass /DVERSION= /DVI_VERSION= /DFILES_NSH= /DICON= /DOUTFILE= (packaging/windows.py does)"
!endif

!define APP_NAME "chat_desktop"
!define APP_EXE "chat-desktop.exe"
!define PUBLISHER "The chat_desktop developers"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_NAME}"

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "${FILES_NSH}"

Name "${APP_NAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP_NAME}"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${APP_NAME} ${VERSION}"

VIProductVersion "${VI_VERSION}"
VIFileVersion "${VI_VERSION}"
VIAddVersionKey "ProductName" "${APP_NAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "FileDescription" "${APP_NAME} installer"
VIAddVersionKey "LegalCopyright" "${PUBLISHER}"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

; The app itself is translated to Indonesian: the installer speaks it too.
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "Indonesian"

Section "Install"
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  !insertmacro InstallFiles
  SetOutPath "$INSTDIR"
  File "/oname=chat-desktop.ico" "${ICON}"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" \
    "$INSTDIR\chat-desktop.ico" 0

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\chat-desktop.ico"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  !insertmacro UninstallFiles
  Delete "$INSTDIR\chat-desktop.ico"
  Delete "$INSTDIR\uninstall.exe"
  ; Only empty folders go: anything the user added to the install folder stays.
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd
