"""Key sets and tokens for the jwks externalAccess tests, made with `cryptography` and PyJWT.

Prints one JSON object: `jwksA` (keys rsa-1 and ec-1), `jwksB` (rsa-2 and ec-1: rsa-1 rotated out) and `tokens`,
each minted for issuer `https://issuer.example`, audience `backend`, expiring in an hour unless named otherwise.
"""
import json
import sys
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm


def jwk(public_key, algorithm, kid):
    key = json.loads(algorithm.to_jwk(public_key))
    key.update({"kid": kid, "use": "sig"})
    return key


rsa1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
rsa2 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ec1 = ec.generate_private_key(ec.SECP256R1())
weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)

now = int(time.time())
claims = {"sub": "alice", "iss": "https://issuer.example", "aud": "backend", "exp": now + 3600, "iat": now}


def token(key, algorithm, kid, **changes):
    body = dict(claims)
    for name, value in changes.items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return jwt.encode(body, key, algorithm=algorithm, headers={"kid": kid})


print(
    json.dumps(
        {
            "jwksA": {
                "keys": [
                    jwk(rsa1.public_key(), RSAAlgorithm, "rsa-1"),
                    jwk(ec1.public_key(), ECAlgorithm, "ec-1"),
                    jwk(weak.public_key(), RSAAlgorithm, "weak"),
                ]
            },
            "jwksB": {
                "keys": [
                    jwk(rsa2.public_key(), RSAAlgorithm, "rsa-2"),
                    jwk(ec1.public_key(), ECAlgorithm, "ec-1"),
                ]
            },
            "tokens": {
                "rs256": token(rsa1, "RS256", "rsa-1"),
                "ps256": token(rsa1, "PS256", "rsa-1"),
                "es256": token(ec1, "ES256", "ec-1", sub="bob"),
                "rotated": token(rsa2, "RS256", "rsa-2", sub="carol"),
                "weak": token(weak, "RS256", "weak"),
                "forged": token(rsa2, "RS256", "rsa-1"),
                "wrongIssuer": token(rsa1, "RS256", "rsa-1", iss="https://other.example"),
                "wrongAudience": token(rsa1, "RS256", "rsa-1", aud=["frontend", "mobile"]),
                "listedAudience": token(rsa1, "RS256", "rsa-1", aud=["frontend", "backend"]),
                "noSubject": token(rsa1, "RS256", "rsa-1", sub=None),
                "expired": token(rsa1, "RS256", "rsa-1", exp=now - 10),
            },
        }
    )
)
sys.stdout.flush()
