#!/usr/bin/env bash
# Installs what forumd needs and is missing, then returns.
#
#   scripts/install-deps.sh build   packages to build and run the daemon
#   scripts/install-deps.sh test    the above, plus what every test tier needs
#
# As root it runs apt-get itself; otherwise it prints the one apt-get line to
# run and fails. Node packages come from package-lock.json (npm ci): the browser
# libraries the build copies into client-js/vendor/, and the test drivers.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-test}
build_pkgs=(build-essential pkg-config libwebsockets-dev libwebsockets-evlib-uv libuv1-dev
            libhiredis-dev libsqlite3-dev libcjson-dev libjwt-dev libcap-dev
            libutf8proc-dev libstemmer-dev nodejs npm)
test_pkgs=(libcmocka-dev clang libclang-rt-dev redis-server chromium valgrind
           sqlite3 procps)

pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  # node/npm may come from outside Debian's packages; a working command is enough.
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$st" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "install-deps: missing Debian packages. Run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# npm ci when node_modules is absent or older than the lock file (both the build, for the
# browser libraries, and the tests need it).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
