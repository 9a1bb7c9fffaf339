/* dns_tcp.c - framing DNS messages in one direction of a TCP connection
 * (dns_tcp.h says what is supported). */
#include "app/dns_tcp.h"

static uint32_t pf_min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* Skips what is left of a message begun in an earlier segment. */
static void pf_dns_tcp_skip(struct pf_dns_tcp *st,
                            struct pf_dns_tcp_segment *seg) {
  uint32_t n = pf_min_u32(st->skip, seg->wire_len - seg->off);
  seg->off += n;
  st->skip = (uint16_t)(st->skip - n);
  if (st->skip == 0)
    st->phase = PF_DNS_TCP_LENGTH;
}

/* Reads the length prefix (or its second byte) at seg->off: true and the
 * length, or false at the segment's end or where the capture cut it. */
static bool pf_dns_tcp_length(struct pf_dns_tcp *st,
                              struct pf_dns_tcp_segment *seg, uint16_t *len,
                              bool *lost) {
  uint8_t b;
  while (seg->off < seg->wire_len) { /* at most two turns: two bytes */
    if (!pf_get_u8(&seg->cap, seg->off, &b)) {
      pf_dns_tcp_reset(st);
      *lost = true;
      return false;
    }
    seg->off++;
    if (st->phase == PF_DNS_TCP_LENGTH_LOW) {
      *len = (uint16_t)(st->len_hi << 8 | b);
      return true;
    }
    st->len_hi = b;
    st->phase = PF_DNS_TCP_LENGTH_LOW;
  }
  return false;
}

/* The message of `len` bytes that starts at seg->off. */
static void pf_dns_tcp_take(struct pf_dns_tcp *st,
                            struct pf_dns_tcp_segment *seg, uint16_t len,
                            struct pf_dns_tcp_msg *msg) {
  uint32_t here = pf_min_u32(len, seg->wire_len - seg->off);
  uint32_t cap = seg->off < seg->cap.len ? seg->cap.len - seg->off : 0;
  uint32_t have = pf_min_u32(here, cap);
  msg->bytes = have ? pf_bytes_of(seg->cap.data + seg->off, have)
                    : pf_bytes_of(seg->cap.data, 0);
  msg->len = len;
  msg->split = here < len;
  msg->cut = have < here;
  seg->off += here;
  st->skip = (uint16_t)(len - here);
  st->phase = st->skip ? PF_DNS_TCP_BODY : PF_DNS_TCP_LENGTH;
}

bool pf_dns_tcp_next(struct pf_dns_tcp *st, struct pf_dns_tcp_segment *seg,
                     struct pf_dns_tcp_msg *msg, bool *lost) {
  uint16_t len;
  *lost = false;
  if (seg->wire_len < seg->cap.len)
    seg->wire_len = seg->cap.len; /* a caller's slip must not read past */
  if (st->phase == PF_DNS_TCP_BODY_START) { /* its length came before */
    if (seg->off >= seg->wire_len)
      return false;
    pf_dns_tcp_take(st, seg, st->skip, msg);
    return true;
  }
  if (st->phase == PF_DNS_TCP_BODY)
    pf_dns_tcp_skip(st, seg);
  if (st->phase == PF_DNS_TCP_BODY || !pf_dns_tcp_length(st, seg, &len, lost))
    return false;
  if (len > 0 && seg->off == seg->wire_len) { /* the body in the next one */
    st->skip = len;
    st->phase = PF_DNS_TCP_BODY_START;
    return false;
  }
  pf_dns_tcp_take(st, seg, len, msg);
  return true;
}
