/* tls_names.h - a shard's TLS server names, each interned once for good
 * (docs/SERVICES.md, "TLS server names"): a flow keeps a name's 4-byte
 * index in its TCP record, not the name. Bounded by TopSeriesLimit names
 * (the top-N name set's rule): once full, a new name is PF_TLS_NAME_OTHER
 * and its flows' bytes are reported in `other`, so neither the table nor
 * the series grow with the traffic. A name is kept as the top-N key it
 * becomes (its first 43 bytes), so two names that share those share an
 * entry, as they would share a series.
 *
 * Not thread-safe: one shard's, used by its capture thread and, under the
 * worker's lock, by the reader. */
#ifndef PCAPFLOW_SHARD_TLS_NAMES_H
#define PCAPFLOW_SHARD_TLS_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "base/check.h"
#include "sketch/topn.h"

#define PF_TLS_NAME_OTHER UINT32_MAX
/* Names a shard keeps when TopSeriesLimit is 0 (no limit on series): the
 * table is bounded all the same. */
#define PF_TLS_NAMES_UNLIMITED 4096

/* A server name as a top-N key (and as the table keeps it). */
struct pf_tls_name_key {
  uint8_t len;
  char text[PF_TOPN_KEY_MAX - 1];
};

struct pf_tls_names {
  uint32_t limit, used, mask;
  uint32_t *slot;                /* index + 1 of the name there; 0: empty */
  struct pf_tls_name_key *names; /* `limit` of them, in order of arrival */
  uint64_t seed[4];
  uint64_t full; /* names refused for want of room (PF_TLS_NAME_OTHER) */
};

/* Room for `limit` names (0: PF_TLS_NAMES_UNLIMITED). Returns 0, or -1
 * with err. */
int pf_tls_names_init(struct pf_tls_names *t, uint32_t limit, char *err,
                      size_t errlen);
void pf_tls_names_free(struct pf_tls_names *t);

/* The index of the name text[0..len) (len > 0), interned if new, or
 * PF_TLS_NAME_OTHER when the table is full. */
uint32_t pf_tls_names_intern(struct pf_tls_names *t, const char *text,
                             uint32_t len);

/* The key of an index that pf_tls_names_intern returned. Any other index
 * (PF_TLS_NAME_OTHER, or one read from the wrong bytes of a TCP record)
 * reads as no name: the empty key, which the report never names (its
 * bytes count in `other`), never a read past the table, in every build. */
static inline const struct pf_tls_name_key *
pf_tls_names_key(const struct pf_tls_names *t, uint32_t index) {
  static const struct pf_tls_name_key none;
  return index < t->used ? &t->names[index] : &none;
}

#endif
