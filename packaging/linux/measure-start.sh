#!/usr/bin/env bash
# Cold start of an installed chat-desktop to its welcome screen, measured from outside under
# Xvfb: the time from exec until the "Create your account" window is mapped (xdotool), on a
# fresh profile, with the page cache of the bundle dropped first when allowed (root).
# Optionally saves a screenshot of that screen: measure-start.sh [BINARY] [SCREENSHOT.png]
set -euo pipefail
binary="${1:-/usr/bin/chat-desktop}"
shot="${2:-}"
work="$(mktemp -d)"
display=":97"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
app=""
cleanup() {
  if [ -n "$app" ]; then kill "$app" 2>/dev/null || true; wait "$app" 2>/dev/null || true; fi
  kill "$xvfb" 2>/dev/null || true
  wait "$xvfb" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do
  if DISPLAY="$display" xdotool getdisplaygeometry >/dev/null 2>&1; then break; fi
  sleep 0.05
done
if [ "$(id -u)" -eq 0 ]; then sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; fi
start=$(date +%s.%N)
DISPLAY="$display" QT_QPA_PLATFORM=xcb HOME="$work" XDG_DATA_HOME="$work/data" \
  PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring \
  "$binary" --profile "$work/profile" >"$work/app.log" 2>&1 &
app=$!
DISPLAY="$display" timeout 60 xdotool search --sync --onlyvisible --name "Create your account" \
  >/dev/null
end=$(date +%s.%N)
echo "cold start to the welcome screen: $(echo "$end - $start" | bc) s"
if [ -n "$shot" ]; then
  sleep 1 # let the first frame settle before the capture (not a measurement)
  DISPLAY="$display" import -window root "$shot"
  echo "screenshot: $shot"
fi
