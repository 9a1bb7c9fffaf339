/* tls_join.c - a held hello's bytes appended record by record, later
 * records' headers dropped (tls_join.h). */
#include "shard/tls_join.h"

#include <string.h>

#include "app/tls_wire.h"
#include "base/check.h"

#define PF_TLS_REC_HDR ((uint32_t)sizeof(struct pf_tls_wire_record))
#define PF_TLS_HS_HDR ((uint32_t)sizeof(struct pf_tls_wire_handshake))

static uint32_t pf_min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* The hello's bytes held: not those of a record header still coming. */
static uint32_t pf_tls_join_body(const struct pf_tls_reasm_entry *e) {
  return pf_min_u32(e->len, e->body_end);
}

/* Where the hello ends in what is held (its handshake header read), at
 * most the buffer's end. */
static uint32_t pf_tls_join_limit(const uint8_t *buf,
                                  const struct pf_tls_reasm_entry *e) {
  uint32_t at = PF_TLS_REC_HDR;
  if (pf_tls_join_body(e) < at + PF_TLS_HS_HDR)
    return PF_TLS_REASM_BYTES;
  uint32_t hs =
      (uint32_t)buf[at + 1] << 16 | (uint32_t)buf[at + 2] << 8 | buf[at + 3];
  return pf_min_u32(at + PF_TLS_HS_HDR + hs, PF_TLS_REASM_BYTES);
}

bool pf_tls_join_done(const struct pf_tls_reasm *r,
                      const struct pf_tls_reasm_entry *e) {
  return e->stop ||
         pf_tls_join_body(e) >= pf_tls_join_limit(pf_tls_reasm_buf(r, e), e);
}

/* A record header now whole at body_end: the first is the parser's to
 * judge (one of length 0 or too long stops here); a later one is checked,
 * dropped, and its body joined to the first record. */
static void pf_tls_join_header(uint8_t *buf, struct pf_tls_reasm_entry *e) {
  const uint8_t *h = buf + e->body_end;
  uint32_t rec_len = (uint32_t)h[3] << 8 | h[4];
  bool fits = rec_len > 0 && rec_len <= PF_TLS_WIRE_RECORD_MAX;
  if (e->body_end == 0) {
    e->body_end = (uint16_t)(PF_TLS_REC_HDR + rec_len);
    e->stop = !fits;
    return;
  }
  if (h[0] != PF_TLS_WIRE_HANDSHAKE || h[1] != 3 || !fits) {
    e->bad = e->stop = true;
    return;
  }
  e->len = (uint16_t)(e->len - PF_TLS_REC_HDR);
  /* What is held never passes the buffer: a record said longer reads as
   * one that ends there, and the hello past it as partial. */
  uint32_t end = pf_min_u32(e->body_end + rec_len, PF_TLS_REASM_BYTES);
  e->body_end = (uint16_t)end;
  buf[3] = (uint8_t)((end - PF_TLS_REC_HDR) >> 8);
  buf[4] = (uint8_t)(end - PF_TLS_REC_HDR);
}

/* One step: bytes of a record's body, or of the next record's header. */
static uint32_t pf_tls_join_step(uint8_t *buf, struct pf_tls_reasm_entry *e,
                                 const uint8_t *p, uint32_t n, uint32_t limit) {
  uint32_t take;
  if (e->len < e->body_end) {
    take = pf_min_u32(n, pf_min_u32(e->body_end, limit) - e->len);
  } else if (e->body_end + PF_TLS_REC_HDR > PF_TLS_REASM_BYTES) {
    e->stop = true; /* no room for another record */
    return 0;
  } else {
    take = pf_min_u32(n, e->body_end + PF_TLS_REC_HDR - e->len);
  }
  /* A segment held out of order is read from the buffer's end: never
   * behind where it is written (tls_resume.c), but it may overlap. */
  memmove(buf + e->len, p, take);
  e->len = (uint16_t)(e->len + take);
  if (e->len == e->body_end + PF_TLS_REC_HDR) /* a header now whole */
    pf_tls_join_header(buf, e);
  return take;
}

uint32_t pf_tls_join(struct pf_tls_reasm *r, struct pf_tls_reasm_entry *e,
                     const uint8_t *p, uint32_t n) {
  uint8_t *buf = pf_tls_reasm_buf(r, e);
  uint32_t done = 0;
  /* Each turn takes a byte at least, or stops. */
  while (done < n && !pf_tls_join_done(r, e)) {
    uint32_t take =
        pf_tls_join_step(buf, e, p + done, n - done, pf_tls_join_limit(buf, e));
    if (take == 0)
      break;
    done += take;
  }
  PF_ASSERT(e->len <= PF_TLS_REASM_BYTES);
  return done;
}
