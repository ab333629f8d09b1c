#!/usr/bin/env python3
"""List catalog entities from outside the backend, with a service token minted by PyJWT.

The token is exactly what Backstage's ServerTokenManager (and this backend) issues:
header {"alg":"HS256"}, payload {"sub":"backstage-server","exp":<now + 3600>}, HMAC-SHA256 with the secret's
bytes, where the secret string is decoded the way Node's Buffer.from(secret, "base64") decodes it.

Usage: BACKEND_SECRET=... [BACKEND_URL=http://localhost:7007] python3 list_entities.py
Needs: pip install PyJWT
"""
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request

import jwt


def node_base64_decode(secret: str) -> bytes:
    """Decode like Node's Buffer.from(s, 'base64'): both alphabets, padding optional, dangling char ignored."""
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_")
    body = secret.rstrip("=")
    if not body or any(c not in allowed for c in body):
        raise ValueError("BACKEND_SECRET must be base64 (A-Z a-z 0-9 + / - _, optional trailing =)")
    body = body.replace("-", "+").replace("_", "/")
    if len(body) % 4 == 1:
        body = body[:-1]
    return base64.b64decode(body + "=" * (-len(body) % 4))


def main() -> int:
    secret = os.environ.get("BACKEND_SECRET")
    if not secret:
        print("Set BACKEND_SECRET to one of the backend's backend.auth.keys[].secret values.", file=sys.stderr)
        return 2
    base_url = os.environ.get("BACKEND_URL", "http://localhost:7007").rstrip("/")
    key = node_base64_decode(secret)
    token = jwt.encode(
        {"sub": "backstage-server", "exp": int(time.time()) + 3600},
        key,
        algorithm="HS256",
        headers={"typ": None},  # PyJWT adds "typ":"JWT" unless told not to; Backstage's header is {"alg":"HS256"}
    )
    request = urllib.request.Request(
        f"{base_url}/api/catalog/entities", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            entities = json.load(response)
    except urllib.error.HTTPError as error:
        print(f"{error.code}: {error.read().decode()}", file=sys.stderr)
        return 1
    for entity in entities:
        metadata = entity.get("metadata", {})
        print(f"{entity.get('kind')}:{metadata.get('namespace', 'default')}/{metadata.get('name')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
