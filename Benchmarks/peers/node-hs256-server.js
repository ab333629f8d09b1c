#!/usr/bin/env node
// The Node peer of scripts/bench-http: a plain Node 20 `http` server (no npm packages) that answers
// GET <path> with a fixed JSON body after a strict, hand-written HS256 server-token check, the
// same work the Swift host does per request. Everything else is a JSON 404; a bad token a JSON 401
// in Backstage's error shape.
//
// Usage: node node-hs256-server.js --port 7100 --secret <base64> --path /api/catalog/... --body FILE
//   --secret  decoded as Backstage does (Buffer.from(secret, 'base64')); repeatable, all verify
//   --body    the JSON to return (scripts/bench-http saves the Swift host's response, so both
//             servers send the same bytes)
'use strict';

const http = require('http');
const crypto = require('crypto');
const fs = require('fs');

function parseArgs(argv) {
    const args = { port: 7100, host: '127.0.0.1', secrets: [], path: null, body: null };
    for (let i = 2; i < argv.length; i += 2) {
        const name = argv[i];
        const value = argv[i + 1];
        if (value === undefined) throw new Error(`missing value for ${name}`);
        switch (name) {
            case '--port': args.port = Number(value); break;
            case '--host': args.host = value; break;
            case '--secret': args.secrets.push(value); break;
            case '--path': args.path = value; break;
            case '--body': args.body = value; break;
            default: throw new Error(`unknown option ${name}`);
        }
    }
    if (args.secrets.length === 0 || !args.path || !args.body) {
        throw new Error('usage: node-hs256-server.js --secret S [--secret S]... --path P --body FILE [--port N]');
    }
    return args;
}

const args = parseArgs(process.argv);
const keys = args.secrets.map((secret) => Buffer.from(secret, 'base64'));
const body = fs.readFileSync(args.body);
const MAX_TOKEN_BYTES = 8192;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

class TokenError extends Error {}

// Strict unpadded, canonical base64url (RFC 7515 §2): alphabet checked, length mod 4 never 1,
// and re-encoding must give the same text (so unused trailing bits are zero).
function decodeSegment(segment, part) {
    if (!SEGMENT.test(segment)) throw new TokenError(`${part} segment is not base64url`);
    if (segment.length % 4 === 1) throw new TokenError(`${part} segment has an impossible length`);
    const bytes = Buffer.from(segment, 'base64url');
    if (bytes.toString('base64url') !== segment) throw new TokenError(`${part} segment is not canonical`);
    return bytes;
}

function parseObject(bytes, part) {
    let value;
    try {
        value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
        throw new TokenError(`${part} is not valid JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new TokenError(`${part} is not a JSON object`);
    }
    return value;
}

function isFiniteNumber(value) {
    return typeof value === 'number' && Number.isFinite(value);
}

// The same checks as BackendAuth's verifier (except duplicate member names, which JSON.parse
// cannot see): structure, header, MAC against each key in constant time, then claims.
function verify(token, nowSeconds) {
    if (token.length === 0 || token.length > MAX_TOKEN_BYTES) throw new TokenError('bad token size');
    const parts = token.split('.');
    if (parts.length !== 3) throw new TokenError('token is not three segments');
    const [headerText, payloadText, signatureText] = parts;
    const header = parseObject(decodeSegment(headerText, 'header'), 'header');
    const payloadBytes = decodeSegment(payloadText, 'payload');
    const signature = decodeSegment(signatureText, 'signature');
    if (header.alg !== 'HS256') throw new TokenError('unsupported alg');
    if ('crit' in header || 'b64' in header) throw new TokenError('unsupported header');
    if (header.typ !== undefined) {
        const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : null;
        if (typ !== 'jwt' && typ !== 'application/jwt') throw new TokenError('unsupported typ');
    }
    if (signature.length !== 32) throw new TokenError('bad signature length');
    const signingInput = token.slice(0, headerText.length + 1 + payloadText.length);
    let matched = false;
    for (const key of keys) {
        const mac = crypto.createHmac('sha256', key).update(signingInput).digest();
        if (crypto.timingSafeEqual(mac, signature)) {
            matched = true;
            break;
        }
    }
    if (!matched) throw new TokenError('signature matched no configured key');
    const claims = parseObject(payloadBytes, 'payload');
    if (claims.sub !== 'backstage-server') throw new TokenError('bad sub');
    if ('aud' in claims) throw new TokenError('aud claim is not allowed');
    if (!isFiniteNumber(claims.exp)) throw new TokenError('exp must be a finite number');
    if ('nbf' in claims && !isFiniteNumber(claims.nbf)) throw new TokenError('nbf must be a finite number');
    if ('iat' in claims && !isFiniteNumber(claims.iat)) throw new TokenError('iat must be a finite number');
    for (const name of ['jti', 'iss']) {
        if (name in claims && typeof claims[name] !== 'string') throw new TokenError(`${name} must be a string`);
    }
    if (!(claims.exp > nowSeconds)) throw new TokenError('expired');
    if ('nbf' in claims && claims.nbf > nowSeconds) throw new TokenError('not yet valid');
}

function sendError(req, res, statusCode, name, message) {
    const text = JSON.stringify({
        error: { name, message },
        request: { method: req.method, url: req.url },
        response: { statusCode },
    });
    res.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
}

const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthcheck') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end('{"status":"ok"}');
        return;
    }
    if (req.method !== 'GET' || req.url !== args.path) {
        sendError(req, res, 404, 'NotFoundError', 'Not found');
        return;
    }
    const authorization = req.headers.authorization;
    const match = typeof authorization === 'string' ? /^Bearer (.+)$/.exec(authorization) : null;
    if (!match) {
        sendError(req, res, 401, 'AuthenticationError', 'Missing credentials');
        return;
    }
    try {
        verify(match[1], Date.now() / 1000);
    } catch (error) {
        if (!(error instanceof TokenError)) throw error;
        sendError(req, res, 401, 'AuthenticationError', `Invalid server token; caused by ${error.message}`);
        return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
});

server.keepAliveTimeout = 65000;
server.listen(args.port, args.host, () => {
    console.log(`node-hs256-server listening on ${args.host}:${args.port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
