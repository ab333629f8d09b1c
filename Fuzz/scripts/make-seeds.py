#!/usr/bin/env python3
"""Regenerates the seed corpora in Fuzz/Corpus/ (standard library only; deterministic).

Token seeds are signed with the keys the FuzzTokenVerify harness configures; config seeds exercise
anchors, flow style, substitution, directives and overrides.
"""
import base64
import hashlib
import hmac
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "Corpus")
KEY_A = b"fuzz-key-A-0123456789abcdefghijkl"


def node_base64(text):
    s = text.replace("-", "+").replace("_", "/").rstrip("=")
    if len(s) % 4 == 1:
        s = s[:-1]
    return base64.b64decode(s + "=" * (-len(s) % 4))


KEY_B = node_base64("my-secret-key-catalog")
NOW = 1_700_000_000


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(header, payload, key=KEY_A, raw=False):
    h = header if raw else json.dumps(header, separators=(",", ":"))
    p = payload if raw else json.dumps(payload, separators=(",", ":"))
    signing_input = b64u(h.encode()) + "." + b64u(p.encode())
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64u(mac)


def write(target, name, data):
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


HS = {"alg": "HS256"}
GOOD = {"sub": "backstage-server", "exp": NOW + 3600}
tokens = {
    "valid-key-a": sign(HS, GOOD),
    "valid-key-b": sign(HS, GOOD, KEY_B),
    "valid-typ-jwt": sign({"alg": "HS256", "typ": "JWT"}, GOOD),
    "valid-iat-nbf-jti": sign(HS, dict(GOOD, iat=NOW - 10, nbf=NOW - 10, jti="abc", iss="x")),
    "expired": sign(HS, {"sub": "backstage-server", "exp": NOW - 1}),
    "nbf-future": sign(HS, dict(GOOD, nbf=NOW + 60)),
    "wrong-sub": sign(HS, {"sub": "someone", "exp": NOW + 3600}),
    "aud": sign(HS, dict(GOOD, aud="backstage")),
    "exp-string": sign(HS, {"sub": "backstage-server", "exp": "later"}),
    "exp-huge": sign(HS, {"sub": "backstage-server", "exp": 1e308}, raw=False),
    "alg-none": b64u(b'{"alg":"none"}') + "." + b64u(json.dumps(GOOD).encode()) + ".",
    "alg-hs512": sign({"alg": "HS512"}, GOOD),
    "alg-lowercase": sign({"alg": "hs256"}, GOOD),
    "crit": sign({"alg": "HS256", "crit": ["exp"]}, GOOD),
    "b64-false": sign({"alg": "HS256", "b64": False}, GOOD),
    "typ-other": sign({"alg": "HS256", "typ": "at+jwt"}, GOOD),
    "dup-alg": sign('{"alg":"HS256","alg":"none"}', json.dumps(GOOD), raw=True),
    "dup-sub": sign(json.dumps(HS), '{"sub":"backstage-server","sub":"x","exp":%d}' % (NOW + 3600), raw=True),
    "escaped-alg": sign('{"\\u0061lg":"HS\\u0032\\u00356"}', json.dumps(GOOD), raw=True),
    "surrogates": sign('{"alg":"HS256","x":"\\ud83d\\ude00"}', json.dumps(GOOD), raw=True),
    "lone-surrogate": sign('{"alg":"HS256","x":"\\ud83d"}', json.dumps(GOOD), raw=True),
    "deep-header": sign('{"alg":"HS256","x":' + "[" * 200 + "]" * 200 + "}", json.dumps(GOOD), raw=True),
    "numbers": sign(HS, dict(GOOD, iat=-0.0, nbf=1e-7)),
    "bad-signature": sign(HS, GOOD)[:-4] + "AAAA",
    "short-signature": sign(HS, GOOD)[:-10],
    "padded": sign(HS, GOOD) + "=",
    "standard-alphabet": sign(HS, GOOD).replace("-", "+").replace("_", "/") + "+/",
    "two-segments": ".".join(sign(HS, GOOD).split(".")[:2]),
    "four-segments": sign(HS, GOOD) + ".abc",
    "whitespace": " " + sign(HS, GOOD),
    "json-serialization": '{"payload":"x","signatures":[]}',
    "empty-header": "." + sign(HS, GOOD).split(".", 1)[1],
    "dots": "..",
    "single-char": "a",
    "non-canonical-bits": sign(HS, GOOD)[:-1] + "B",
    "bearer-prefix": "Bearer " + sign(HS, GOOD),
    "utf8": "é.ü.☃",
    "oversized": "A" * 8193,
    # Names of a letter plus combining marks (compared by UTF-8 bytes, over the header value cap),
    # and precomposed/decomposed names, which are two different JSON names.
    "combining-names": sign('{"alg":"HS256",' + ",".join(
        '"a%s":0' % "".join(chr(0x300 + (i >> (4 * k)) % 16) for k in range(3)) for i in range(80)) + "}",
        json.dumps(GOOD), raw=True),
    "precomposed-decomposed": sign('{"alg":"HS256","\\u00e9":1,"e\\u0301":2}', json.dumps(GOOD), raw=True),
}
for name, token in tokens.items():
    write("FuzzTokenVerify", "tok-" + name, token)
write("FuzzTokenVerify", "tok-invalid-utf8", b"\xff\xfe.\xc3\x28.\xed\xa0\x80")
# Authorization header values, as the route guard parses them (BearerCredentials) before verifying.
headers = {
    "bearer": "Bearer " + sign(HS, GOOD),
    "bearer-blanks": "\tbEaReR \t " + sign(HS, GOOD) + "  ",
    "basic": "Basic dXNlcjpwYXNz",
    "bearer-empty": "Bearer   ",
    # Found by the fuzzer: invalid UTF-8 and U+0603, which joins the blank after it into one grapheme cluster.
    "prepend-mark": b"\tbEaReR \t eI.\xe2 \xd8\x83 ",
}
for name, value in headers.items():
    write("FuzzTokenVerify", "header-" + name, value)

# Signed mode: "{header}\n{payload}" (the harness signs it with key A).
signed = {
    "ok": '{"alg":"HS256"}\n{"sub":"backstage-server","exp":1700003600}',
    "ok-all-claims": '{"alg":"HS256","typ":"JWT"}\n'
    '{"sub":"backstage-server","exp":1700003600.5,"iat":1699999999,"nbf":1699999999,"jti":"j","iss":"i"}',
    "exp-exponent": '{"alg":"HS256"}\n{"sub":"backstage-server","exp":1.7e9}',
    "exp-overflow": '{"alg":"HS256"}\n{"sub":"backstage-server","exp":1e400}',
    "exp-negative-zero": '{"alg":"HS256"}\n{"sub":"backstage-server","exp":-0}',
    "nbf-string": '{"alg":"HS256"}\n{"sub":"backstage-server","exp":1700003600,"nbf":"0"}',
    "iat-null": '{"alg":"HS256"}\n{"sub":"backstage-server","exp":1700003600,"iat":null}',
    "jti-number": '{"alg":"HS256"}\n{"sub":"backstage-server","exp":1700003600,"jti":1}',
    "aud-array": '{"alg":"HS256"}\n{"sub":"backstage-server","exp":1700003600,"aud":[]}',
    "sub-escaped": '{"alg":"HS256"}\n{"s\\u0075b":"backstage\\u002dserver","exp":1700003600}',
    "dup-exp": '{"alg":"HS256"}\n{"sub":"backstage-server","exp":1700003600,"exp":1}',
    "payload-array": '{"alg":"HS256"}\n["sub","backstage-server"]',
    "payload-trailing": '{"alg":"HS256"}\n{"sub":"backstage-server","exp":1700003600} x',
    "payload-bom": '{"alg":"HS256"}\n\ufeff{"sub":"backstage-server","exp":1700003600}',
    "payload-deep": '{"alg":"HS256"}\n{"sub":"backstage-server","exp":1700003600,"d":' + "[" * 100 + "]" * 100 + "}",
    "payload-control": '{"alg":"HS256"}\n{"sub":"backstage-server\u0001","exp":1700003600}',
    "leading-zero": '{"alg":"HS256"}\n{"sub":"backstage-server","exp":01700003600}',
    "empty-payload": '{"alg":"HS256"}\n',
}
for name, text in signed.items():
    write("FuzzTokenVerify", "signed-" + name, text)

configs = {
    "basic.yaml": """backend:
  baseUrl: http://localhost:7007
  listen:
    port: 7007
  auth:
    keys:
      - secret: ${SECRET}
      - secret: ZnV6ei1rZXktQS0wMTIzNDU2Nzg5YWJjZGVmZ2hpamts
discovery:
  endpoints:
    - target: http://localhost:7008/api/{{pluginId}}
      plugins: [catalog, search]
    - target: { internal: http://a/api, external: http://b/api }
      plugins: [scaffolder]
""",
    "anchors.yaml": """defaults: &defaults
  timeout: 30
  retries: 3
  tags: &tags [a, b, c]
catalog:
  <<: *defaults
  timeout: 60
search:
  settings: *defaults
  tags: *tags
list: [*tags, *tags]
""",
    "flow.yaml": "{backend: {listen: '0.0.0.0:7007', baseUrl: \"http://x\"}, arr: [1, 2.5, -3, 0x1F, 0o17, .inf, -.Inf, .nan, true, False, ~, null, '', \"\"], o: {}}\n",
    "directives.yaml": """backend:
  auth:
    keys:
      - secret:
          $file: secret.txt
      - secret:
          $env: SECRET
  included:
    $include: inc.yaml
  fragment:
    $include: inc.yaml#a.c
  json:
    $include: data.json#x
  notDirective:
    $other: 1
""",
    "substitution.yaml": """a: ${HOME}
b: ${ MISSING_VAR }
c: ${MISSING:-fallback}
d: ${EMPTY:-was-empty}
e: $${HOME} literal
f: prefix-${PORT}-suffix
g: [${MISSING}, kept]
h: '${'
i: ${}
""",
    "overrides.yaml": """#!APP_CONFIG_backend_listen_port=7010
#!APP_CONFIG_backend_auth_keys=[{"secret":"abc"}]
#!APP_CONFIG_app_title="quoted"
#!APP_CONFIG_app_obj={"x":{"y":[1,2]}}
backend:
  listen: { port: 7007 }
app:
  title: t
""",
    "override-null.yaml": "#!APP_CONFIG_backend_baseUrl=null\nbackend: {baseUrl: x}\n",
    "override-bad-key.yaml": "#!APP_CONFIG_back__end=1\n#!APP_CONFIG_1x=2\na: 1\n",
    "cycle.yaml": "a:\n  $include: loop.yaml\nb:\n  $include: ping.yaml\nc:\n  $include: fuzz.yaml\n",
    "directive-errors.yaml": "a:\n  $file: dir\nb:\n  $file: nope.txt\nc:\n  $include: data.json#missing.key\nd:\n  $env: [x]\ne:\n  $include: x.txt\n",
    "directive-extra-key.yaml": "a:\n  $env: HOME\n  other: 1\n",
    "scalars.yaml": """plain: hello world
quoted: "with \\t escapes \\u263A"
single: 'it''s'
literal: |
  line one
  line two
folded: >-
  folded
  text
int: 42
neg: -7
float: 3.14e2
octal: 0o777
hex: 0xff
bools: [true, false, True, FALSE, yes, no, on, off]
nulls: [null, Null, NULL, ~, ]
inf: [.inf, -.inf, .NaN]
str-num: "42"
date: 2024-01-01
tagged: !!str 123
binary: !!binary aGVsbG8=
key with spaces: v
? complex key
: v
""",
    "multi-doc.yaml": "a: 1\n---\nb: 2\n...\n",
    "json.json": '{"a": {"b": [1, 2, {"c": null}]}, "d": "e", "f": 1.5e3}',
    "tabs.yaml": "a:\n\tb: 1\n",
    "dup-keys.yaml": "a: 1\na: 2\nb: {x: 1, x: 2}\n",
    "not-object.yaml": "- just\n- a list\n",
    "scalar-root.yaml": "just a string\n",
    "empty.yaml": "",
    "null-values.yaml": "backend:\n  baseUrl: null\n  listen: ~\nlist: [null]\n",
    "laughs.yaml": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
    "deep.yaml": "a: " + "[" * 600 + "]" * 600 + "\n",
    "deep-block.yaml": "".join("  " * i + "k%d:\n" % i for i in range(40)) + "  " * 40 + "leaf: 1\n",
    "undefined-alias.yaml": "a: *nope\n",
    "recursive-anchor.yaml": "a: &a\n  b: *a\n",
    "secret-keys.yaml": "password: hunter2\ntoken: t0k3n\nclientSecret: s\nnested: {apiToken: x, list: [{secret: y}]}\n",
    "weird-keys.yaml": "'a.b': 1\n'c[0]': 2\n'': 3\n'$include': 4\n1: int key\ntrue: bool key\n",
    "bom.yaml": "\ufeffa: 1\n",
    # Non-regular files and the per-load budget: a config must not block on a FIFO or read /dev/zero forever.
    "dev-zero.yaml": "a:\n  $file: /dev/zero\nb:\n  $include: /dev/null.yaml\nc:\n  $include: dir#x\n",
    "many-includes.yaml": "list:\n" + "  - {$include: inc.yaml}\n" * 1100,
}
for name, text in configs.items():
    write("FuzzConfigLoad", name, text)
write("FuzzConfigLoad", "binary.yaml", bytes(range(256)))
write("FuzzConfigLoad", "invalid-utf8.yaml", b"a: \xff\xfe\nb: \xc3\x28\n")
write("FuzzConfigLoad", "utf16.yaml", "a: 1\n".encode("utf-16"))
