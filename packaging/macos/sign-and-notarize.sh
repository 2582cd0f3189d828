#!/usr/bin/env bash
# Signs the macOS app and notarizes its disk image, when the signing secrets exist.
#
#   packaging/macos/sign-and-notarize.sh sign PATH.app      codesign, hardened runtime
#   packaging/macos/sign-and-notarize.sh notarize PATH.dmg  sign the image, notarytool, staple
#
# Secrets (GitHub Actions repository secrets, passed as environment variables by
# .github/workflows/release.yml):
#   MACOS_CERTIFICATE_P12       base64 of the "Developer ID Application" certificate + key (.p12)
#   MACOS_CERTIFICATE_PASSWORD  the .p12's password
#   MACOS_SIGNING_IDENTITY      e.g. "Developer ID Application: Name (TEAMID)"
#   MACOS_NOTARY_APPLE_ID, MACOS_NOTARY_TEAM_ID, MACOS_NOTARY_PASSWORD (app-specific password)
# Without MACOS_CERTIFICATE_P12 it prints that the build stays unsigned and exits 0: an
# unsigned .dmg still opens (right-click, Open) and the release notes say so.
# Nothing secret is echoed: the certificate goes through a temporary file inside a temporary
# keychain, both deleted on exit.
set -euo pipefail

step="${1:?usage: $0 sign PATH.app | notarize PATH.dmg}"
target="${2:?usage: $0 sign PATH.app | notarize PATH.dmg}"
here="$(cd "$(dirname "$0")" && pwd)"

if [ -z "${MACOS_CERTIFICATE_P12:-}" ]; then
  echo "macos: no signing certificate (MACOS_CERTIFICATE_P12 unset): $step skipped, unsigned"
  exit 0
fi
: "${MACOS_CERTIFICATE_PASSWORD:?MACOS_CERTIFICATE_PASSWORD is needed with the certificate}"
: "${MACOS_SIGNING_IDENTITY:?MACOS_SIGNING_IDENTITY is needed with the certificate}"

work="$(mktemp -d)"
keychain="$work/signing.keychain-db"
keychain_password="$(uuidgen)"
cleanup() {
  security delete-keychain "$keychain" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

import_certificate() {
  printf '%s' "$MACOS_CERTIFICATE_P12" | base64 --decode >"$work/certificate.p12"
  security create-keychain -p "$keychain_password" "$keychain"
  security set-keychain-settings -lut 21600 "$keychain"
  security unlock-keychain -p "$keychain_password" "$keychain"
  security import "$work/certificate.p12" -k "$keychain" -P "$MACOS_CERTIFICATE_PASSWORD" \
    -T /usr/bin/codesign
  rm -f "$work/certificate.p12"
  security set-key-partition-list -S apple-tool:,apple: -s -k "$keychain_password" "$keychain" \
    >/dev/null
  # codesign looks in the search list: ours first, the user's after it.
  # shellcheck disable=SC2046
  security list-keychains -d user -s "$keychain" $(security list-keychains -d user | tr -d '"')
}

codesign_one() {
  codesign --force --timestamp --options runtime --keychain "$keychain" \
    --entitlements "$here/entitlements.plist" --sign "$MACOS_SIGNING_IDENTITY" "$1"
}

case "$step" in
  sign)
    import_certificate
    # Inside out: every Mach-O file and nested bundle first, the app last (--deep is
    # deprecated and signs in the wrong order for notarization).
    while IFS= read -r -d '' file; do
      if file -b "$file" | grep -q "Mach-O"; then codesign_one "$file"; fi
    done < <(find "$target/Contents" -type f -print0)
    while IFS= read -r -d '' framework; do
      codesign_one "$framework"
    done < <(find "$target/Contents" -depth -type d -name "*.framework" -print0)
    codesign_one "$target"
    codesign --verify --strict --deep --verbose=2 "$target"
    ;;
  notarize)
    : "${MACOS_NOTARY_APPLE_ID:?MACOS_NOTARY_APPLE_ID is needed to notarize}"
    : "${MACOS_NOTARY_TEAM_ID:?MACOS_NOTARY_TEAM_ID is needed to notarize}"
    : "${MACOS_NOTARY_PASSWORD:?MACOS_NOTARY_PASSWORD is needed to notarize}"
    import_certificate
    codesign --force --timestamp --keychain "$keychain" --sign "$MACOS_SIGNING_IDENTITY" \
      "$target"
    xcrun notarytool submit "$target" --wait --timeout 30m \
      --apple-id "$MACOS_NOTARY_APPLE_ID" --team-id "$MACOS_NOTARY_TEAM_ID" \
      --password "$MACOS_NOTARY_PASSWORD"
    xcrun stapler staple "$target"
    xcrun stapler validate "$target"
    ;;
  *)
    echo "unknown step $step: use sign or notarize" >&2
    exit 2
    ;;
esac
