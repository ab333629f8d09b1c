#!/usr/bin/env bash
# Runs Backstage's three-deployment service-to-service auth example with the shipped binary:
# catalog (:7101, accepts the scaffolder and search keys as externalAccess subjects), scaffolder (:7102) and search
# (:7103), each its own process in production mode. Shows the access matrix live with curl, then compares it with
# `backend topology` (and prints its Mermaid graph).
# Stops all three on exit, also on Ctrl-C. Set KEEP_RUNNING=1 to leave them up until Ctrl-C.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

echo "Building backend once..." >&2
swift build --package-path "$root" --product backend >&2
bin="$(swift build --package-path "$root" --show-bin-path)/backend"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A port=([catalog]=7101 [scaffolder]=7102 [search]=7103)
deployments=(catalog scaffolder search)
logdir="$(mktemp -d)"
cd "$here"
for d in "${deployments[@]}"; do
    BACKEND_ENV=production "$bin" run --config "$d.yaml" --plugins "$d" >"$logdir/$d.log" 2>&1 &
    pids+=("$!")
done

for d in "${deployments[@]}"; do
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:${port[$d]}/healthcheck" >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -fsS "http://127.0.0.1:${port[$d]}/healthcheck" >/dev/null || {
        echo "$d did not become healthy; its log:" >&2; cat "$logdir/$d.log" >&2; exit 1
    }
done
echo "All three deployments are healthy (logs in $logdir)." >&2

# A protected route of each deployment's plugin.
declare -A route=(
    [catalog]="/api/catalog/entities"
    [scaffolder]="/api/scaffolder/v2/actions"
    [search]="/api/search/query?term=service"
)

echo
echo "Live access matrix (row: caller, signs with its first key; column: deployment called):"
printf '%-12s' "caller"
for callee in "${deployments[@]}"; do printf '%-12s' "$callee"; done
echo
for caller in "${deployments[@]}"; do
    token="$(BACKEND_ENV=production "$bin" token create --config "$caller.yaml" 2>/dev/null)"
    printf '%-12s' "$caller"
    for callee in "${deployments[@]}"; do
        code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
            "http://127.0.0.1:${port[$callee]}${route[$callee]}")"
        if [ "$code" = 200 ]; then printf '%-12s' "yes ($code)"; else printf '%-12s' "no ($code)"; fi
    done
    echo
done

echo
echo "Static matrix from the config files (backend topology):"
BACKEND_ENV=production "$bin" topology catalog.yaml scaffolder.yaml search.yaml
BACKEND_ENV=production "$bin" topology catalog.yaml scaffolder.yaml search.yaml --format mermaid

echo
echo "Scaffolder -> catalog through the plugins: running a task that registers a component..."
token="$(BACKEND_ENV=production "$bin" token create --config scaffolder.yaml 2>/dev/null)"
task="$(curl -fsS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"templateRef":"template:default/create-component","values":{"name":"demo-service","owner":"team-a"}}' \
    "http://127.0.0.1:7102/api/scaffolder/v2/tasks")"
echo "  created task: $task"
id="$(printf '%s' "$task" | sed -E 's/.*"id" *: *"([^"]+)".*/\1/')"
for _ in $(seq 1 50); do
    status="$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:7102/api/scaffolder/v2/tasks/$id" |
        sed -E 's/.*"status" *: *"([a-z]+)".*/\1/')"
    [ "$status" = completed ] || [ "$status" = failed ] && break
    sleep 0.1
done
echo "  task status: $status"

echo "Search -> catalog through the plugins: refreshing the catalog collator..."
token="$(BACKEND_ENV=production "$bin" token create --config search.yaml 2>/dev/null)"
curl -fsS -X POST -H "Authorization: Bearer $token" "http://127.0.0.1:7103/api/search/collators/catalog/refresh"
echo
curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:7103/api/search/query?term=demo-service"
echo

if [ "${KEEP_RUNNING:-0}" = 1 ]; then
    echo "Deployments keep running; press Ctrl-C to stop them." >&2
    wait
fi
