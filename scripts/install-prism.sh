#!/bin/sh
# Installs Stoplight Prism (the mock server the Prism tests run against) into
# the git-ignored .tools/ folder, from the npm registry, when it is missing.
# Installs Node.js and npm from Debian first if they are missing (root or
# passwordless sudo, as scripts/install-system-deps.sh).
set -eu

cd "$(dirname "$0")/.."
[ -x .tools/node_modules/.bin/prism ] && exit 0

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo -n"; fi
  echo "installing system packages: nodejs npm" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    nodejs npm >/dev/null
fi

echo "installing @stoplight/prism-cli 5 into .tools/" >&2
npm install --prefix .tools --no-audit --no-fund --loglevel=error \
  @stoplight/prism-cli@5 >/dev/null
