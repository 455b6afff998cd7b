#!/usr/bin/env bash
# Ordered rollout of a kustomize overlay of the shop (docs/deploy.md, "Rollout"):
#   1. namespace, service account, config, generated secrets   (no component label)
#   2. dev dependencies, when the overlay has them               (component=dev-dependency)
#   3. the one-shot Jobs: migrations and Temporal namespace setup, waited for
#   4. the worker pools, waited for (they run new workflow code before anything starts it)
#   5. the gateway, waited for
#   6. a full apply of the overlay (a no-op when the steps above covered everything)
# A failed step stops the rollout with the previous pods of later steps still serving.
#
#   deploy/rollout.sh k8s/overlays/prod            # namespace read from the overlay
#   deploy/rollout.sh k8s/overlays/dev shop-dev
#
# test/deploy checks that the selectors below cover every object the overlays render.
set -euo pipefail

overlay=${1:?usage: deploy/rollout.sh <overlay-dir> [namespace]}
ns=${2:-$(sed -n 's/^namespace: *//p' "$overlay/kustomization.yaml" | head -n1)}
: "${ns:?cannot read the namespace of $overlay; pass it as the second argument}"
timeout=${ROLLOUT_TIMEOUT:-15m}
C=app.kubernetes.io/component

log() { printf '[rollout %s] %s\n' "$ns" "$*"; }
apply() { kubectl apply -k "$overlay" -l "$1"; }

wait_job() { # name: until Complete, or fail fast on Failed
  local job=$1 deadline=$((SECONDS + ${JOB_TIMEOUT_SECONDS:-900}))
  while :; do
    local ok failed
    ok=$(kubectl -n "$ns" get job "$job" -o jsonpath='{.status.conditions[?(@.type=="Complete")].status}')
    failed=$(kubectl -n "$ns" get job "$job" -o jsonpath='{.status.conditions[?(@.type=="Failed")].status}')
    [ "$ok" = True ] && { log "job $job complete"; return 0; }
    if [ "$failed" = True ] || [ $SECONDS -ge $deadline ]; then
      log "job $job did not complete; its logs:"
      kubectl -n "$ns" logs "job/$job" --all-containers --tail=100 || true
      return 1
    fi
    sleep 5
  done
}

wait_deployments() { # label selector
  local d
  for d in $(kubectl -n "$ns" get deployment -l "$1" -o name); do
    kubectl -n "$ns" rollout status "$d" --timeout="$timeout"
  done
}

log "1/6 namespace, config and secrets"
apply "!$C"

if kubectl kustomize "$overlay" | grep -q "$C: dev-dependency"; then
  log "2/6 dev dependencies"
  apply "$C=dev-dependency"
  wait_deployments "$C=dev-dependency"
else
  log "2/6 no dev dependencies in this overlay"
fi

log "3/6 migrations and Temporal namespace setup"
# A Job's pod template is immutable: replace the previous release's Jobs.
kubectl -n "$ns" delete job shop-migrate shop-temporal-setup --ignore-not-found --wait=true
apply "$C in (migrate,temporal-setup)"
wait_job shop-migrate
wait_job shop-temporal-setup

log "4/6 worker pools"
apply "$C=worker"
wait_deployments "$C=worker"

log "5/6 gateway"
apply "$C=gateway"
wait_deployments "$C=gateway"

log "6/6 everything else"
kubectl apply -k "$overlay"
log "done"
