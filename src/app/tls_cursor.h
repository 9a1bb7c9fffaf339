/* tls_cursor.h - a place in a TLS hello with two bounds: the bytes at hand
 * and the end its enclosing length field declares. Asking for bytes past
 * the declared end is a malformed message (the caller's reason); past the
 * bytes at hand only, the message goes on elsewhere (PF_TLS_PARTIAL). */
#ifndef PCAPFLOW_APP_TLS_CURSOR_H
#define PCAPFLOW_APP_TLS_CURSOR_H

#include "app/tls.h"
#include "base/bytes.h"

struct pf_tls_cursor {
  struct pf_bytes at_hand; /* never longer than end */
  uint32_t off;
  uint32_t end; /* declared */
};

/* Whether n bytes at the cursor are inside both bounds: PF_TLS_OK, `bad`
 * past the declared end, PF_TLS_PARTIAL past the bytes at hand. */
static inline enum pf_tls_result
pf_tls_need(const struct pf_tls_cursor *c, uint32_t n, enum pf_tls_result bad) {
  if ((uint64_t)c->off + n > c->end)
    return bad;
  return pf_bytes_has(&c->at_hand, c->off, n) ? PF_TLS_OK : PF_TLS_PARTIAL;
}

/* Reads an n-byte (1..3) big-endian length at the cursor and moves on. */
static inline enum pf_tls_result pf_tls_take_len(struct pf_tls_cursor *c,
                                                 uint32_t n, uint32_t *v,
                                                 enum pf_tls_result bad) {
  enum pf_tls_result r = pf_tls_need(c, n, bad);
  const uint8_t *p;
  if (r != PF_TLS_OK || !pf_get_span(&c->at_hand, c->off, n, &p))
    return r != PF_TLS_OK ? r : PF_TLS_PARTIAL;
  *v = 0;
  for (uint32_t i = 0; i < n; i++)
    *v = *v << 8 | p[i];
  c->off += n;
  return PF_TLS_OK;
}

#endif
