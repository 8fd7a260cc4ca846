#!/bin/sh
# Registers the namespace and josh's search attributes on a running server: the same steps for
# docker-compose.yml (service temporal-setup, in temporalio/admin-tools) and `josh cluster`
# (src/cluster/, with the temporal CLI the project provisions). Safe to run again. The attribute
# list must match SEARCH_ATTRIBUTES in src/shared/taskQueues.ts (test/compose.test.ts checks it,
# and the cluster test reads them back from the server).
#
# Environment: TEMPORAL_ADDRESS (host:port), TEMPORAL_NAMESPACE (default), NAMESPACE_RETENTION
# (72h: how long closed runs' histories are kept), TEMPORAL_BIN (temporal).
set -eu
T=${TEMPORAL_BIN:-temporal}
NS=${TEMPORAL_NAMESPACE:-default}
export TEMPORAL_ADDRESS

tries=0
until "$T" operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 120 ] || { echo "server at $TEMPORAL_ADDRESS not healthy" >&2; exit 1; }
  sleep 1
done

if "$T" operator namespace describe --namespace "$NS" >/dev/null 2>&1; then
  echo "namespace $NS exists"
else
  "$T" operator namespace create --namespace "$NS" --retention "${NAMESPACE_RETENTION:-72h}"
fi

# A new namespace reaches the frontend's cache within ~10 s; until then it is "not found".
tries=0
until list=$("$T" operator search-attribute list --namespace "$NS" 2>/dev/null); do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "namespace $NS not usable" >&2; exit 1; }
  sleep 1
done

for attr in JoshKind=Keyword JoshHarvestId=Keyword JoshEnv=Keyword JoshSplit=Keyword \
            JoshTaskId=Keyword JoshReward=Double JoshSuccess=Bool JoshStatus=Keyword; do
  name=${attr%%=*}
  type=${attr#*=}
  if printf '%s\n' "$list" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    "$T" operator search-attribute create --namespace "$NS" --name "$name" --type "$type"
  fi
done
