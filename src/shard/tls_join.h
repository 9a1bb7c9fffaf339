/* tls_join.h - the bytes of a TLS hello held across segments, as one
 * record (docs/SERVICES.md, "Hellos across segments"): the stream's bytes
 * are appended in order; the first record's header is kept, and each
 * later record's header is read, checked (a handshake record, RFC 8446
 * 5.1: a hello's fragments are not interleaved with other records) and
 * dropped, its body appended to the first's and the first header's length
 * grown to cover it. So a hello fragmented over records reads, to the one
 * parser (app/tls.h), as the hello in one record it is.
 *
 * Bounded: at most PF_TLS_REASM_BYTES held, and nothing past the hello's
 * end once its handshake header says where that is. Each step takes at
 * least one byte or stops. */
#ifndef PCAPFLOW_SHARD_TLS_JOIN_H
#define PCAPFLOW_SHARD_TLS_JOIN_H

#include <stdbool.h>
#include <stdint.h>

#include "shard/tls_reasm.h"

/* The bytes a hello's first segment must hold to be taken for one. */
#define PF_TLS_START_LEN 6

/* Appends what it may of p[0..n) to the entry; returns how many it took
 * (fewer than n: nothing more is wanted, pf_tls_join_done). */
uint32_t pf_tls_join(struct pf_tls_reasm *r, struct pf_tls_reasm_entry *e,
                     const uint8_t *p, uint32_t n);

/* Whether the entry wants no more: the hello is held to its end, the
 * buffer is full, or a record header stopped it (e->stop, e->bad). */
bool pf_tls_join_done(const struct pf_tls_reasm *r,
                      const struct pf_tls_reasm_entry *e);

#endif
