#ifndef KEEL_CMONGOC_SHIM_H
#define KEEL_CMONGOC_SHIM_H

#include <stdlib.h>
#include <string.h>
#include <mongoc/mongoc.h>

// Debian builds libbson with 128-byte alignment of bson_t, so Swift sees bson_t only as an
// opaque pointer and cannot allocate one. These helpers allocate correctly aligned storage.

/// A heap bson_t for out-params (replies) that libmongoc (re)initialises. Free with keel_bson_out_free.
static inline bson_t *keel_bson_out_new(void) {
    bson_t *b = (bson_t *)aligned_alloc(128, (sizeof(bson_t) + 127) / 128 * 128);
    if (b) { bson_init(b); }
    return b;
}

/// Destroys and frees a bson_t from keel_bson_out_new.
static inline void keel_bson_out_free(bson_t *b) {
    if (!b) { return; }
    bson_destroy(b);
    free(b);
}

/// The length in bytes of a BSON document (bson_t is opaque to Swift).
static inline uint32_t keel_bson_len(const bson_t *b) { return b->len; }

/// The message of a bson_error_t as a C string (the array does not import conveniently).
static inline const char *keel_error_message(const bson_error_t *e) { return e->message; }

/// A zeroed bson_error_t.
static inline bson_error_t keel_error_zero(void) {
    bson_error_t e;
    memset(&e, 0, sizeof e);
    return e;
}

#endif
