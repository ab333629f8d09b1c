#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/err.h>

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

/* OPENSSL_cleanse is a plain function, CRYPTO_memcmp too; RAND_bytes too. Nothing else needed. */

#endif
