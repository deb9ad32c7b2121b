#!/bin/sh
# Installs the Debian packages the tests need, when they are missing:
# Pango for WeasyPrint, fonts for every script the reports show, Chromium for
# the browser tests, poppler-utils (pdftoppm) for the README's picture of the
# PDF. Needs root (as on CI) or passwordless sudo.
set -eu

need=""
for pkg in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-core \
    fonts-noto-cjk chromium poppler-utils; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" \
    || need="$need $pkg"
done
[ -z "$need" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo -n"; fi
echo "installing system packages:$need" >&2
# Another apt or dpkg run (an unattended upgrade, a second terminal) holds the
# dpkg lock for a while: wait for it rather than fail at once.
lock="-o DPkg::Lock::Timeout=600"
$sudo apt-get $lock update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get $lock install -y -qq \
  --no-install-recommends $need >/dev/null
