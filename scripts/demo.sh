#!/usr/bin/env bash
# Loads demo data drawn from the seed plan through the public API (the same code paths clients
# use). Idempotent: a second run finds what exists and adds nothing twice. Each capability adds
# a file to scripts/demo.d/ (sourced in name order) using the helpers below.
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${SUMMITD_URL:-http://127.0.0.1:8080}
PW=demo-password
# The admin account is the one the server was configured with: SUMMITD_ADMIN_EMAIL /
# SUMMITD_ADMIN_PASSWORD, else the config file (DEMO_CONFIG, default config/dev.conf).
. scripts/conf.sh
DEMO_CONFIG=${DEMO_CONFIG:-config/dev.conf}
ADMIN_EMAIL=$(conf_get admin_email "$DEMO_CONFIG")
ADMIN_PASSWORD=$(conf_get admin_password "$DEMO_CONFIG")

# api METHOD PATH [TOKEN] [BODY] -> prints the body; fails on a 5xx or a connection error.
api() {
    local method=$1 path=$2 token=${3:-} body=${4:-}
    local args=(-s -X "$method" -w '\n%{http_code}' "$URL$path")
    [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    local out code
    out=$(curl "${args[@]}") || { echo "demo: $method $path failed" >&2; return 1; }
    code=${out##*$'\n'}
    out=${out%$'\n'*}
    if [ "$code" -ge 500 ]; then echo "demo: $method $path -> $code $out" >&2; return 1; fi
    printf '%s' "$out"
}

# login EMAIL [PASSWORD] -> token
login() { api POST /api/v1/auth/login "" "{\"email\":\"$1\",\"password\":\"${2:-$PW}\"}" | jq -r .token; }

# user EMAIL NAME ROLE -> token (signs up when absent)
user() {
    api POST /api/v1/users "" \
        "{\"email\":\"$1\",\"password\":\"$PW\",\"display_name\":\"$2\",\"role\":\"$3\"}" >/dev/null
    login "$1"
}

[ -n "$ADMIN_EMAIL" ] || { echo "demo: no admin account configured (admin_email)" >&2; exit 1; }
ADMIN=$(login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
[ -n "$ADMIN" ] && [ "$ADMIN" != null ] || {
    echo "demo: admin login failed for $ADMIN_EMAIL (from ${SUMMITD_ADMIN_EMAIL:+SUMMITD_ADMIN_EMAIL}${SUMMITD_ADMIN_EMAIL:-$DEMO_CONFIG})" >&2
    exit 1
}
for f in scripts/demo.d/*.sh; do
    # shellcheck source=/dev/null
    . "$f"
done
echo "demo data loaded"
