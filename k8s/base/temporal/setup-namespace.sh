#!/bin/sh
# Registers the shop's Temporal namespace and the custom search attributes of its order
# workflows (workflows/orders/contract.ts ORDER_SEARCH_ATTRIBUTES), idempotently. Runs in the
# temporalio/admin-tools image: as the `temporal-setup` one-shot of docker-compose.yml and as
# the `shop-temporal-setup` Job of k8s/ (where the Helm chart has created the namespace).
# Reads TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE; TEMPORAL_RETENTION applies to a new namespace.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS must be set}"
: "${TEMPORAL_NAMESPACE:=default}"
: "${TEMPORAL_RETENTION:=72h}"

# Dial the frontend by its IPv4 address when the name also resolves to IPv6 addresses the
# server does not listen on (as Temporal's own compose setup does).
host=${TEMPORAL_ADDRESS%:*}
port=${TEMPORAL_ADDRESS##*:}
if command -v getent >/dev/null 2>&1; then
  ip=$(getent ahosts "$host" 2>/dev/null | awk '/STREAM/ && $1 !~ /:/ { print $1; exit }')
  if [ -n "$ip" ]; then TEMPORAL_ADDRESS="$ip:$port"; fi
fi
export TEMPORAL_ADDRESS

echo "waiting for the Temporal frontend at ${TEMPORAL_ADDRESS} (${host})"
tries=0
until temporal operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -ge 60 ] && { echo "Temporal did not become healthy" >&2; exit 1; }
  sleep 5
done

if temporal operator namespace describe -n "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $TEMPORAL_NAMESPACE exists"
else
  echo "creating namespace $TEMPORAL_NAMESPACE (retention $TEMPORAL_RETENTION)"
  temporal operator namespace create -n "$TEMPORAL_NAMESPACE" --retention "$TEMPORAL_RETENTION"
fi

# name:type pairs; keep in sync with ORDER_SEARCH_ATTRIBUTES (test/deploy checks it).
for pair in CustomerId:Keyword OrderStatus:Keyword OrderTotalCents:Int CartItemCount:Int; do
  name=${pair%%:*}
  type=${pair#*:}
  # A namespace just created can take a moment to accept search attributes: retry.
  tries=0
  until temporal operator search-attribute list -n "$TEMPORAL_NAMESPACE" | grep -qw "$name" \
    || temporal operator search-attribute create -n "$TEMPORAL_NAMESPACE" --name "$name" --type "$type"; do
    tries=$((tries + 1))
    [ "$tries" -ge 12 ] && { echo "could not register search attribute $name" >&2; exit 1; }
    sleep 5
  done
  echo "search attribute $name ($type) registered"
done
