#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/err.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/x509.h>
#include <string.h>

/* Swift cannot import function-like macros; these wrappers expose what the auth module needs. */
static inline const EVP_MD *copenssl_sha256(void) { return EVP_sha256(); }

/*
 * Low-level SHA-256 streaming API. OpenSSL 3.0 marks SHA256_Init/Update/Final deprecated, but they
 * remain available and are the cheapest way to keep a precomputed HMAC inner/outer state that is
 * copied by value per call (no allocation, no algorithm fetch). The wrappers keep the deprecation
 * noise out of Swift builds.
 */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
#elif defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

static inline int copenssl_sha256_init(SHA256_CTX *ctx) { return SHA256_Init(ctx); }

static inline int copenssl_sha256_update(SHA256_CTX *ctx, const void *data, size_t len) {
    return SHA256_Update(ctx, data, len);
}

static inline int copenssl_sha256_final(unsigned char *md, SHA256_CTX *ctx) { return SHA256_Final(md, ctx); }

#if defined(__clang__)
#pragma clang diagnostic pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/*
 * Public keys from JWK members (OpenSSL 3 provider API): an RSA key from its modulus and exponent, a P-256 key
 * from its uncompressed point (0x04 || x || y). EVP_PKEY_PUBLIC_KEY is a compound macro Swift cannot import.
 * Return NULL on any failure.
 */
static inline EVP_PKEY *copenssl_rsa_public_key(const unsigned char *n, size_t n_len, const unsigned char *e,
                                                size_t e_len) {
    EVP_PKEY *pkey = NULL;
    BIGNUM *bn_n = BN_bin2bn(n, (int)n_len, NULL);
    BIGNUM *bn_e = BN_bin2bn(e, (int)e_len, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    if (bn_n && bn_e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) && (params = OSSL_PARAM_BLD_to_param(bld)) &&
        (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) && EVP_PKEY_fromdata_init(ctx) == 1) {
        if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return pkey;
}

static inline EVP_PKEY *copenssl_p256_public_key(const unsigned char *point, size_t point_len) {
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, point_len) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) && (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) &&
        EVP_PKEY_fromdata_init(ctx) == 1) {
        if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return pkey;
}

/*
 * Verifies a SHA-256 signature: PKCS#1 v1.5 (RS256), PSS with a 32-byte salt (PS256, RFC 7518 3.5), or ECDSA
 * with the JOSE r || s encoding (ES256, 64 bytes), converted to DER here. 1 valid, 0 invalid.
 */
static inline int copenssl_verify_sha256(EVP_PKEY *pkey, int scheme, const unsigned char *sig, size_t sig_len,
                                         const unsigned char *msg, size_t msg_len) {
    unsigned char *der = NULL;
    const unsigned char *to_check = sig;
    size_t check_len = sig_len;
    if (scheme == 2) {
        if (sig_len != 64) return 0;
        ECDSA_SIG *ecdsa = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sig, 32, NULL);
        BIGNUM *s = BN_bin2bn(sig + 32, 32, NULL);
        if (!ecdsa || !r || !s || ECDSA_SIG_set0(ecdsa, r, s) != 1) {
            ECDSA_SIG_free(ecdsa);
            BN_free(r);
            BN_free(s);
            return 0;
        }
        int der_len = i2d_ECDSA_SIG(ecdsa, &der);
        ECDSA_SIG_free(ecdsa);
        if (der_len <= 0) return 0;
        to_check = der;
        check_len = (size_t)der_len;
    }
    int ok = 0;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md && EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pkey) == 1) {
        int configured = 1;
        if (scheme == 1) {
            configured = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1;
        }
        if (configured) ok = EVP_DigestVerify(md, to_check, check_len, msg, msg_len) == 1;
    }
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}

/*
 * ES256 (ECDSA on P-256 over SHA-256) for plugin tokens. Keys are EVP_PKEYs; signatures cross this boundary in
 * JOSE's fixed 64-byte r || s form, never DER.
 */

/* A new P-256 key pair; NULL on failure. (EVP_PKEY_Q_keygen is variadic, which Swift cannot call.) */
static inline EVP_PKEY *copenssl_p256_generate(void) {
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_group_name(ctx, "P-256") == 1) {
        if (EVP_PKEY_generate(ctx, &pkey) != 1) pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return pkey;
}

/* 1 when pkey is an EC key on P-256 (prime256v1), else 0. */
static inline int copenssl_is_p256(const EVP_PKEY *pkey) {
    char name[64] = {0};
    size_t length = 0;
    if (!pkey || !EVP_PKEY_is_a(pkey, "EC")) return 0;
    int ok = EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &length) == 1 &&
             (strcmp(name, "prime256v1") == 0 || strcmp(name, "P-256") == 0);
    ERR_clear_error();
    return ok;
}

/* The affine coordinates of a P-256 public point, 32 big-endian bytes each. 1 on success. */
static inline int copenssl_p256_coordinates(const EVP_PKEY *pkey, unsigned char *x, unsigned char *y) {
    BIGNUM *bx = NULL;
    BIGNUM *by = NULL;
    int ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &bx) == 1 &&
             EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &by) == 1 && BN_bn2binpad(bx, x, 32) == 32 &&
             BN_bn2binpad(by, y, 32) == 32;
    BN_free(bx);
    BN_free(by);
    ERR_clear_error();
    return ok;
}

/* A passphrase callback that supplies none, so that an encrypted key fails instead of prompting on a terminal. */
static inline int copenssl_no_passphrase(char *buf, int size, int rwflag, void *u) {
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* The key of a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) block; NULL when there is none or it does not decode. */
static inline EVP_PKEY *copenssl_pem_public_key(const char *pem, size_t length) {
    if (length > 1 << 20) return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)length);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, copenssl_no_passphrase, NULL) : NULL;
    BIO_free(bio);
    ERR_clear_error();
    return pkey;
}

/* The key of a PEM private key block (PKCS#8 `PRIVATE KEY`); NULL when there is none or it does not decode. */
static inline EVP_PKEY *copenssl_pem_private_key(const char *pem, size_t length) {
    if (length > 1 << 20) return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)length);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, copenssl_no_passphrase, NULL) : NULL;
    BIO_free(bio);
    ERR_clear_error();
    return pkey;
}

/* Signs SHA-256(msg) with a P-256 private key and writes r || s (64 bytes) to out. 1 on success. */
static inline int copenssl_p256_sign(EVP_PKEY *pkey, const unsigned char *msg, size_t msg_len, unsigned char *out) {
    unsigned char der[80];
    size_t der_len = sizeof der;
    int ok = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
        EVP_DigestSign(md, der, &der_len, msg, msg_len) == 1) {
        const unsigned char *cursor = der;
        ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &cursor, (long)der_len);
        if (sig) {
            const BIGNUM *r = NULL;
            const BIGNUM *s = NULL;
            ECDSA_SIG_get0(sig, &r, &s);
            ok = BN_bn2binpad(r, out, 32) == 32 && BN_bn2binpad(s, out + 32, 32) == 32;
            ECDSA_SIG_free(sig);
        }
    }
    EVP_MD_CTX_free(md);
    OPENSSL_cleanse(der, sizeof der);
    ERR_clear_error();
    return ok;
}

/* Appends one DER INTEGER for a 32-byte big-endian unsigned value (minimal: leading zeros dropped, 0x00 added
 * before a set high bit). Returns the bytes written (at most 35). */
static inline size_t copenssl_der_integer(const unsigned char *value, unsigned char *out) {
    size_t start = 0;
    while (start < 31 && value[start] == 0) start++;
    size_t length = 32 - start;
    int pad = (value[start] & 0x80) != 0;
    out[0] = 0x02;
    out[1] = (unsigned char)(length + (size_t)pad);
    size_t offset = 2;
    if (pad) out[offset++] = 0;
    memcpy(out + offset, value + start, length);
    return offset + length;
}

/*
 * Verifies an ES256 signature (r || s, 64 bytes) of msg: SHA-256 with the streaming API, the signature turned into
 * DER on the stack, then one EVP_PKEY_verify. 1 valid, 0 invalid. No heap allocation besides OpenSSL's context.
 */
static inline int copenssl_p256_verify(EVP_PKEY *pkey, const unsigned char *sig, size_t sig_len,
                                       const unsigned char *msg, size_t msg_len) {
    if (sig_len != 64) return 0;
    unsigned char digest[32];
    SHA256_CTX sha;
    copenssl_sha256_init(&sha);
    copenssl_sha256_update(&sha, msg, msg_len);
    copenssl_sha256_final(digest, &sha);
    unsigned char der[2 + 35 + 35];
    size_t body = copenssl_der_integer(sig, der + 2);
    body += copenssl_der_integer(sig + 32, der + 2 + body);
    der[0] = 0x30;
    der[1] = (unsigned char)body;
    int ok = 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (ctx && EVP_PKEY_verify_init(ctx) == 1) ok = EVP_PKEY_verify(ctx, der, body + 2, digest, sizeof digest) == 1;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

/* OPENSSL_cleanse is a plain function, CRYPTO_memcmp too; RAND_bytes too. Nothing else needed. */

#endif
