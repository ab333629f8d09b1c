#!/usr/bin/env bash
# List catalog entities from outside the backend: mint a service token with `backend token create`, call with curl.
# Usage: BACKEND_SECRET=... [BACKEND_URL=http://localhost:7007] [BACKEND_BIN=path/to/backend] ./list_entities.sh
set -euo pipefail
: "${BACKEND_SECRET:?Set BACKEND_SECRET to one of the backend.auth.keys[].secret values of the backend}"
url="${BACKEND_URL:-http://localhost:7007}"
if [ -z "${BACKEND_BIN:-}" ]; then
    root="$(cd "$(dirname "$0")/../.." && pwd)"
    swift build --package-path "$root" --product backend >&2
    BACKEND_BIN="$(swift build --package-path "$root" --show-bin-path)/backend"
fi
token="$("$BACKEND_BIN" token create --secret "$BACKEND_SECRET")"
curl -fsS -H "Authorization: Bearer $token" "$url/api/catalog/entities"
echo
