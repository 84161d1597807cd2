#!/usr/bin/env bash
# Installs the Debian packages summitd needs to build, test and run, when any is missing.
# As root it runs apt-get itself; otherwise it prints the exact command and fails.
# Installing mariadb-server/redis-server must not start the system-wide services, so a
# temporary policy-rc.d (the Debian mechanism for that) denies service starts during the install.
set -euo pipefail

PKGS=(build-essential pkg-config curl ca-certificates jq
      libevent-dev libhiredis-dev libmariadb-dev libmariadb-dev-compat libcjson-dev
      libcriterion-dev libcrypt-dev libssl-dev libqrencode-dev
      mariadb-server mariadb-client redis-server redis-tools tzdata
      zbar-tools librsvg2-bin libcurl4-openssl-dev python3-aiosmtpd)
# libqrencode-dev: the ticket QR codes (GET /registrations/{id}/ticket.svg); zbar-tools (zbarimg)
# and librsvg2-bin (rsvg-convert): the integration test that scans them back.
# libcurl4-openssl-dev: e-mail (SMTP) and webhook delivery (notify/); python3-aiosmtpd: the local
# SMTP server that `make run` and the tests deliver to (run by Debian's /usr/bin/python3).
PKGS+=("$@")

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
# Node.js and npm for the contract checks (tools/contract, `make contract`): Debian's packages
# when no node/npm is on the PATH (another installation, e.g. one that bundles npm, is kept).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    for p in nodejs npm; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
fi
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "summitd needs these Debian packages: ${missing[*]}" >&2
    echo "run as root:  $cmd" >&2
    exit 1
fi

echo "deps: installing ${missing[*]}"
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    made_policy=1
fi
trap '[ $made_policy -eq 1 ] && rm -f "$policy"' EXIT
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
