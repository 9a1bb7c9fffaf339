/* dns_tcp.h - DNS over TCP (RFC 1035 4.2.2, RFC 7766 8): each message is
 * preceded by its length in two bytes, a segment may hold several
 * messages, and a message (or its length) may run over into the next
 * segments. This frames one direction of a connection, segment by
 * segment, in 4 bytes of state and without copying.
 *
 * What is supported: any number of messages in a segment; a length prefix
 * split between two segments; a length prefix alone in its segment (clients
 * that write it apart: the message is read from the next segment); a
 * message continued in later segments, whose
 * start (header and question, when they fit the first segment) is handed
 * over and whose rest is skipped; bytes the capture cut off (snapshot
 * length) are skipped by count, since the segment's length on the wire is
 * known. What is not: reassembly. A message whose header or question is
 * itself split over two segments is handed over as a prefix that does not
 * parse (the caller counts it as split, not as malformed). Segments must be
 * given in order, each once: after a gap (a lost, retransmitted or
 * out-of-order segment) the caller resets the state, and framing starts
 * again at the next segment's first byte, where RFC 7766's clients begin
 * a message in practice. */
#ifndef PCAPFLOW_APP_DNS_TCP_H
#define PCAPFLOW_APP_DNS_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "base/bytes.h"

/* The state of one direction: 4 bytes in a TCP flow's extension. */
struct pf_dns_tcp {
  uint16_t skip;  /* bytes of the current message still to come */
  uint8_t phase;  /* enum pf_dns_tcp_phase */
  uint8_t len_hi; /* the first byte of a length split over two segments */
};

enum pf_dns_tcp_phase {
  PF_DNS_TCP_LENGTH,     /* the next byte starts a length prefix */
  PF_DNS_TCP_LENGTH_LOW, /* the next byte is the low byte of the length */
  PF_DNS_TCP_BODY,       /* the next `skip` bytes end the current message */
  PF_DNS_TCP_BODY_START, /* the next byte starts a message of `skip` bytes
                            whose length ended the segment before */
};

/* One segment being framed: its captured bytes and its payload length on
 * the wire (at least the captured length). */
struct pf_dns_tcp_segment {
  struct pf_bytes cap;
  uint32_t wire_len;
  uint32_t off; /* where framing goes on */
};

/* A message that starts in the segment. */
struct pf_dns_tcp_msg {
  struct pf_bytes bytes; /* its captured bytes from its start, at most len */
  uint16_t len;          /* its length, as its prefix says */
  bool split;            /* it goes on in a later segment */
  bool cut;              /* the capture ends before it does in this segment */
};

static inline void pf_dns_tcp_reset(struct pf_dns_tcp *st) {
  *st = (struct pf_dns_tcp){.phase = PF_DNS_TCP_LENGTH};
}

/* The next message that starts in seg: true and *msg, or false when the
 * segment is used up (bytes of a message begun earlier are skipped on the
 * way). A length prefix the capture cut off loses the step: the state is
 * reset and *lost set, and the rest of the segment is not framed. Each
 * message takes at least its two length bytes (the first may have come at
 * the end of the segment before), so a segment yields at most
 * (wire_len + 1) / 2 of them; the caller bounds how many it parses. */
bool pf_dns_tcp_next(struct pf_dns_tcp *st, struct pf_dns_tcp_segment *seg,
                     struct pf_dns_tcp_msg *msg, bool *lost);

#endif
