#!/usr/bin/env bash
# Runs a command with the cluster of scripts/cluster.sh up: starts it (fresh) when its load
# balancer does not answer, and stops it afterwards only then. Exits with the command's status.
set -uo pipefail
cd "$(dirname "$0")/.."
LB=${CLUSTER_LB_PORT:-8090}
started=0
if [ "${CLUSTER_SUMMITD:-1}" = 1 ]; then
    curl -fs "http://127.0.0.1:$LB/readyz" >/dev/null 2>&1 || started=1
else
    redis-cli -p $(( ${CLUSTER_PORT_BASE:-4500} + 51 )) ping >/dev/null 2>&1 || started=1
fi
if [ $started = 1 ]; then
    scripts/cluster.sh start || { scripts/cluster.sh stop; exit 1; }
fi
"$@"
rc=$?
# A failure on a machine nobody can log into (CI) must carry what the nodes saw.
[ $rc = 0 ] || scripts/cluster.sh logs || true
[ $started = 1 ] && scripts/cluster.sh stop
exit $rc
