/* tls_reasm.h - the TLS hellos of a shard whose first segment ended inside
 * them, held until the rest comes (docs/SERVICES.md, "Hellos across
 * segments"): a browser's ClientHello with a post-quantum key share is
 * about 1,800 bytes, past one segment, and its server name may sit in the
 * second.
 *
 * Like the DNS-over-TCP framing (dns_framing.h), the state lives in the
 * shard, not the flow: the packet's part reads hellos before the flow is
 * found. An entry is keyed by the hash of the flow's key and the sender's
 * side, and holds the hello's bytes so far (as one record, its records'
 * headers after the first dropped: tls_join.h; at most PF_TLS_REASM_BYTES)
 * and the sequence number the next segment must start at. One segment
 * that comes before its turn (reordered) waits at the buffer's end, in
 * its free room, until the bytes before it come; a second one, or one
 * that does not fit, abandons the hello (a gap: tls.c counts why). A start of
 * fewer than 6 bytes is held too, but is not a hello until its 6th byte says
 * so.
 *
 * Fixed memory, allocated with the TLS analysis: PF_TLS_REASM_SLOTS
 * entries of 48 bytes and as many buffers of PF_TLS_REASM_BYTES (129 KiB a
 * shard), in sets of PF_TLS_REASM_WAYS. A 64-bit filter of the held keys
 * lets every other TCP segment pass with one test; with nothing held it
 * is 0. */
#ifndef PCAPFLOW_SHARD_TLS_REASM_H
#define PCAPFLOW_SHARD_TLS_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PF_TLS_REASM_SLOTS 32
#define PF_TLS_REASM_WAYS 4
#define PF_TLS_REASM_BYTES 4096
/* A hello whose rest has not come in this long (by the shard's clock) is
 * given up: a client sends its whole hello in its first flight, and a
 * lost segment is sent again within a few retransmission timeouts. */
#define PF_TLS_REASM_LIVE_US 3000000u

/* Whether what was last fed at last_us is still live at now_us (the
 * shard's clock): younger than PF_TLS_REASM_LIVE_US. The tick gives up the
 * others, and a segment that comes before the tick does (a file's batch
 * is 4,096 packets, seconds apart in a sparse capture) finds them given up
 * too: the rule, not the batch's end, decides. */
static inline bool pf_tls_reasm_live(uint64_t last_us, uint64_t now_us) {
  return now_us - last_us < PF_TLS_REASM_LIVE_US;
}

/* What the bytes held of a hello say so far: counted if it ends partial. */
struct pf_tls_seen {
  uint16_t version;
  uint8_t type;
  bool has_versions;
  bool hello_retry;
};

struct pf_tls_reasm_entry {
  uint64_t key;       /* pf_tls_reasm_key; 0: free */
  uint64_t last_us;   /* the shard's clock at its last segment */
  uint32_t next_seq;  /* where the direction's next segment must start */
  uint32_t start_seq; /* the sequence number of the hello's first byte */
  uint32_t ahead_seq; /* the segment held out of order: its first byte */
  uint16_t ahead_len; /* ... its length (0: none), at the buffer's end */
  uint16_t len;       /* bytes held (tls_join.h says how) */
  uint16_t body_end;  /* where the body of the record being read ends in
                         what is held; 0: its first header is not whole */
  struct pf_tls_seen seen;
  bool named;  /* its server name went to the flow already */
  bool joined; /* read from more than one segment */
  bool stop;   /* no more can be held (tls_join.h) */
  bool bad;    /* a record inside the hello is not a handshake record */
};

struct pf_tls_reasm {
  struct pf_tls_reasm_entry *slots;
  uint8_t *bytes;  /* PF_TLS_REASM_SLOTS buffers of PF_TLS_REASM_BYTES */
  uint64_t filter; /* bit pf_tls_reasm_bit of every held key */
  uint32_t held;
  uint64_t oldest_us; /* no entry was last fed before this */
};

/* The key of one direction of a flow: its key's hash and the sender's
 * side; never 0. */
static inline uint64_t pf_tls_reasm_key(uint64_t flow_hash, unsigned side) {
  uint64_t k = (flow_hash & ~(uint64_t)1) | (side & 1);
  return k ? k : 2;
}

/* The filter's bit of a flow (its hash's top 6 bits, not the set's). */
static inline unsigned pf_tls_reasm_bit(uint64_t flow_hash) {
  return (unsigned)(flow_hash >> 58);
}

/* Whether the direction of a flow may have a hello held: false for all
 * but a few when some are, for every flow when none is (the usual case,
 * decided by one test of the filter, not its bit). */
static inline bool pf_tls_reasm_may_hold(const struct pf_tls_reasm *r,
                                         uint64_t flow_hash) {
  return r->filter && (r->filter >> pf_tls_reasm_bit(flow_hash)) & 1;
}

/* Returns 0, or -1 with err. */
int pf_tls_reasm_init(struct pf_tls_reasm *r, char *err, size_t errlen);
void pf_tls_reasm_free(struct pf_tls_reasm *r);

/* The entry held for `key`, or NULL. */
struct pf_tls_reasm_entry *pf_tls_reasm_find(const struct pf_tls_reasm *r,
                                             uint64_t key);

/* Where a new hello of `key` goes: a free entry of its set, or its least
 * recent one, which the caller gives up (pf_tls_reasm_release) first. */
struct pf_tls_reasm_entry *pf_tls_reasm_claim(const struct pf_tls_reasm *r,
                                              uint64_t key);

/* Takes a free entry (from pf_tls_reasm_claim) for `key`, empty. */
void pf_tls_reasm_hold(struct pf_tls_reasm *r, struct pf_tls_reasm_entry *e,
                       uint64_t key, uint64_t now_us);

/* Frees a held entry. */
void pf_tls_reasm_release(struct pf_tls_reasm *r, struct pf_tls_reasm_entry *e);

/* An entry last fed PF_TLS_REASM_LIVE_US or more before now_us (all of
 * them with UINT64_MAX), or NULL. */
struct pf_tls_reasm_entry *pf_tls_reasm_stale(struct pf_tls_reasm *r,
                                              uint64_t now_us);

/* The buffer of an entry. */
static inline uint8_t *pf_tls_reasm_buf(const struct pf_tls_reasm *r,
                                        const struct pf_tls_reasm_entry *e) {
  return r->bytes + (size_t)(e - r->slots) * PF_TLS_REASM_BYTES;
}

#endif
