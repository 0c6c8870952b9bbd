// The cache peek of libclerkkit (bindings/src/peek.rs), declared for the Swift facade. It is
// not part of the UniFFI surface: one plain C call answers whether a fresh token is cached,
// and the JWT crosses only for a token the facade has not seen yet.
#pragma once
#include <stdint.h>

/// The stamp of the cached token fresh for these options, or 0 for none. `session` is a
/// handle the caller keeps alive; a negative length means "no value" (nil).
int64_t clerkkit_peek_token(uint64_t session,
                            const uint8_t *template_name, int32_t template_len,
                            const uint8_t *organization_id, int32_t organization_id_len,
                            double expiration_buffer, int8_t skip_cache);

/// Copies the token named by `stamp`: `exp` and `iat` into `times[0..2]`, its JWT into `jwt`
/// when `capacity` is enough. Returns the JWT's length (larger than `capacity`: nothing was
/// copied), or -1 when the session no longer remembers the stamp.
int32_t clerkkit_peeked_token(uint64_t session, int64_t stamp,
                              uint8_t *jwt, int32_t capacity, int64_t *times);
