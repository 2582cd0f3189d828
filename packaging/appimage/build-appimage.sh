#!/usr/bin/env bash
# Builds chat-desktop-<version>-x86_64.AppImage from the frozen one-dir bundle.
#
#   packaging/appimage/build-appimage.sh BUNDLE_DIR VERSION OUT_DIR
#
# BUNDLE_DIR is build/freeze/dist/chat-desktop (made by `python packaging/build.py linux`).
# appimagetool must be on PATH (the release workflow downloads a pinned release of it: it is
# not in Debian and needs the network). The AppDir is laid out as appimagetool wants: AppRun,
# the desktop file and the icon at its root, the bundle under usr/lib, the metainfo under
# usr/share/metainfo (appimagetool validates it when appstreamcli is installed).
set -euo pipefail

bundle="${1:?usage: $0 BUNDLE_DIR VERSION OUT_DIR}"
version="${2:?usage: $0 BUNDLE_DIR VERSION OUT_DIR}"
out="${3:?usage: $0 BUNDLE_DIR VERSION OUT_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
app_id="io.github.chat_desktop.ChatDesktop"

if [ ! -x "$bundle/chat-desktop" ]; then
  echo "appimage: $bundle/chat-desktop missing: build the frozen app first" >&2
  exit 1
fi
appdir="$(mktemp -d)/chat-desktop.AppDir"
trap 'rm -rf "$(dirname "$appdir")"' EXIT
mkdir -p "$appdir/usr/lib" "$appdir/usr/share/metainfo" "$appdir/usr/share/applications"
cp -a "$bundle" "$appdir/usr/lib/chat-desktop"
install -m755 "$here/AppRun" "$appdir/AppRun"
install -m644 "$root/packaging/linux/chat-desktop.desktop" "$appdir/chat-desktop.desktop"
install -m644 "$root/packaging/linux/chat-desktop.desktop" \
  "$appdir/usr/share/applications/chat-desktop.desktop"
install -m644 "$root/chat_desktop/gui/resources/icons/chat-desktop-256.png" \
  "$appdir/chat-desktop.png"
ln -s chat-desktop.png "$appdir/.DirIcon"
install -m644 "$root/packaging/linux/$app_id.metainfo.xml" \
  "$appdir/usr/share/metainfo/$app_id.appdata.xml"
mkdir -p "$out"
target="$out/chat-desktop-$version-x86_64.AppImage"
ARCH=x86_64 VERSION="$version" appimagetool --no-appstream "$appdir" "$target"
echo "built $target"
