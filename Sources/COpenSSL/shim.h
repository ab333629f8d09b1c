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

/* OPENSSL_cleanse is a plain function, CRYPTO_memcmp too; RAND_bytes too. Nothing else needed. */

#endif
