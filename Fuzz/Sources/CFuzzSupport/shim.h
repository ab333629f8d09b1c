#ifndef CFUZZSUPPORT_SHIM_H
#define CFUZZSUPPORT_SHIM_H
#include <stddef.h>
#include <stdint.h>
// HMAC-SHA256 for the token fuzzer, which signs fuzzed headers and payloads so that the claim checks
// behind the MAC are reachable.
#include <openssl/evp.h>
#include <openssl/hmac.h>

// libFuzzer's driver (compiler-rt's libclang_rt.fuzzer). SwiftPM links Linux executables with
// `--defsym main=<Module>_main`, which hides libFuzzer's own `main`; each target therefore defines
// `<Module>_main` and hands control to the driver itself.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
