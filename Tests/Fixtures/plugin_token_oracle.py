"""PyJWT and `cryptography` as the oracle for plugin tokens (ES256, typ vnd.backstage.plugin).

    plugin_token_oracle.py verify <jwks json> <token> <audience>
        Verifies the token against the key set with PyJWT; prints {"header": …, "claims": …}. Exit 1 on failure.
    plugin_token_oracle.py mint <issuer> <audience> <directory>
        Makes a key pair (writes private.pem as PKCS#8, public.pem as SPKI, ec-private.pem in the old EC form, and
        other-public.pem, a second key's SPKI), and prints {"jwks": …, "tokens": {…}} with tokens minted by PyJWT for
        `issuer` (sub) and `audience` (aud): valid, wrongAudience, expired, unknownKid, hs256, none, foreignKey,
        noSubject, badSubject, noIat.
    plugin_token_oracle.py unknown <private.pem> <issuer> <audience> <count>
        Prints a JSON list of <count> valid-looking tokens signed with the key in private.pem, each naming a kid that
        no key set lists.
"""
import json
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

TYP = "vnd.backstage.plugin"


def verify(jwks, token, audience):
    header = jwt.get_unverified_header(token)
    keys = {key["kid"]: key for key in json.loads(jwks)["keys"]}
    key = jwt.PyJWK(keys[header["kid"]])
    claims = jwt.decode(
        token, key.key, algorithms=["ES256"], audience=audience, options={"require": ["iat", "exp", "sub", "aud"]}
    )
    print(json.dumps({"header": header, "claims": claims}))


def mint(issuer, audience, directory):
    key = ec.generate_private_key(ec.SECP256R1())
    other = ec.generate_private_key(ec.SECP256R1())
    pem = serialization.Encoding.PEM
    with open(f"{directory}/private.pem", "wb") as out:
        out.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with open(f"{directory}/ec-private.pem", "wb") as out:
        out.write(key.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    with open(f"{directory}/public.pem", "wb") as out:
        out.write(key.public_key().public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo))
    with open(f"{directory}/other-public.pem", "wb") as out:
        out.write(other.public_key().public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo))
    jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "py-1", "alg": "ES256", "use": "sig"})
    now = int(time.time())
    claims = {"sub": issuer, "aud": audience, "iat": now, "exp": now + 3600}

    def token(signing_key=key, algorithm="ES256", kid="py-1", **changes):
        body = dict(claims)
        for name, value in changes.items():
            if value is None:
                body.pop(name, None)
            else:
                body[name] = value
        return jwt.encode(body, signing_key, algorithm=algorithm, headers={"typ": TYP, "kid": kid})

    tokens = {
        "valid": token(),
        "wrongAudience": token(aud="other"),
        "expired": token(iat=now - 7200, exp=now - 3600),
        "unknownKid": token(kid="py-unknown"),
        "hs256": token(signing_key=b"0123456789abcdef0123456789abcdef", algorithm="HS256"),
        "none": token(signing_key=None, algorithm="none"),
        "foreignKey": token(signing_key=other),
        "noSubject": token(sub=None),
        "badSubject": token(sub="plugin:catalog"),
        "noIat": token(iat=None),
    }
    print(json.dumps({"jwks": {"keys": [jwk]}, "tokens": tokens}))


def unknown(private_pem, issuer, audience, count):
    with open(private_pem, "rb") as source:
        key = serialization.load_pem_private_key(source.read(), password=None)
    now = int(time.time())
    claims = {"sub": issuer, "aud": audience, "iat": now, "exp": now + 3600}
    tokens = [
        jwt.encode(claims, key, algorithm="ES256", headers={"typ": TYP, "kid": f"unknown-{index}"})
        for index in range(count)
    ]
    print(json.dumps(tokens))


if __name__ == "__main__":
    if sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "unknown":
        unknown(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        mint(sys.argv[2], sys.argv[3], sys.argv[4])
