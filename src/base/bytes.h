/* bytes.h - the one way the engine reads bytes it did not write (packets,
 * protocol messages): the bounds check and the read in one call, so that a
 * check cannot be forgotten and a short input has one way out, as tcpdump's
 * GET_ macros do.
 *
 * A struct pf_bytes is a window of readable bytes. Every getter reads at an
 * offset inside it and returns false, reading nothing, when the bytes asked
 * for are not all inside; offsets and lengths are checked in 64 bits, so no
 * sum wraps. Multi-byte values are big-endian (network order).
 *
 * Headers are read by name: pf_get_hdr checks sizeof(*hdr) bytes once and
 * hands back a pointer to a struct of byte fields (see packet/wire.h), whose
 * fields are then inside the checked window by construction. */
#ifndef PCAPFLOW_BASE_BYTES_H
#define PCAPFLOW_BASE_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pf_bytes {
  const uint8_t *data;
  uint32_t len; /* readable bytes from data on */
};

static inline struct pf_bytes pf_bytes_of(const void *data, uint32_t len) {
  return (struct pf_bytes){.data = data, .len = len};
}

/* Whether [off, off + n) lies inside the window. */
static inline bool pf_bytes_has(const struct pf_bytes *b, uint32_t off,
                                uint32_t n) {
  return (uint64_t)off + n <= b->len;
}

/* The n bytes at off, or false. */
static inline bool pf_get_span(const struct pf_bytes *b, uint32_t off,
                               uint32_t n, const uint8_t **out) {
  if (!pf_bytes_has(b, off, n))
    return false;
  *out = b->data + off;
  return true;
}

/* The window [off, off + n) of b as a window of its own, or false. */
static inline bool pf_get_sub(const struct pf_bytes *b, uint32_t off,
                              uint32_t n, struct pf_bytes *out) {
  if (!pf_bytes_has(b, off, n))
    return false;
  *out = pf_bytes_of(b->data + off, n);
  return true;
}

static inline bool pf_get_u8(const struct pf_bytes *b, uint32_t off,
                             uint8_t *out) {
  if (!pf_bytes_has(b, off, 1))
    return false;
  *out = b->data[off];
  return true;
}

static inline bool pf_get_u16(const struct pf_bytes *b, uint32_t off,
                              uint16_t *out) {
  if (!pf_bytes_has(b, off, 2))
    return false;
  const uint8_t *p = b->data + off;
  *out = (uint16_t)((uint16_t)p[0] << 8 | p[1]);
  return true;
}

static inline bool pf_get_u32(const struct pf_bytes *b, uint32_t off,
                              uint32_t *out) {
  if (!pf_bytes_has(b, off, 4))
    return false;
  const uint8_t *p = b->data + off;
  *out =
      (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  return true;
}

/* A header struct of byte fields at off: checks sizeof(**out) bytes. */
#define pf_get_hdr(b, off, out)                                                \
  (pf_bytes_has((b), (off), (uint32_t)sizeof(**(out)))                         \
       ? (*(out) = (const void *)((b)->data + (off)), true)                    \
       : false)

/* Reading the byte fields of a header that pf_get_hdr handed out: the
 * bytes are inside the checked window, so these take no window. */
static inline uint16_t pf_be16(const uint8_t f[2]) {
  return (uint16_t)((uint16_t)f[0] << 8 | f[1]);
}

static inline uint32_t pf_be32(const uint8_t f[4]) {
  return (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 | (uint32_t)f[2] << 8 |
         f[3];
}

static inline uint64_t pf_be64(const uint8_t f[8]) {
  return (uint64_t)pf_be32(f) << 32 | pf_be32(f + 4);
}

#endif
