/* file_reader_loop.h - the inside of the file reader (file_reader.c) and
 * its record loop, inline: a caller whose callback is a known function
 * (capture.c's file batch) gets the callback inlined into the loop, so a
 * record costs no indirect call and no callee's register saves and
 * restores (docs/PERFORMANCE.md, "The capture side"). Internal to
 * file_reader.c and capture.c; everyone else uses file_reader.h. */
#ifndef PCAPFLOW_SOURCE_FILE_READER_LOOP_H
#define PCAPFLOW_SOURCE_FILE_READER_LOOP_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "source/file_reader.h"

#define PF_FILE_HEADER 24u

/* Files of version 2.3 and earlier may hold caplen and len the other way
 * round (libpcap's lengths_swapped). */
enum pf_lengths {
  PF_LENGTHS_AS_IS,
  PF_LENGTHS_MAYBE_SWAPPED,
  PF_LENGTHS_SWAPPED
};

struct pf_file_reader {
  int fd;
  bool swapped;     /* the file's byte order is not ours */
  bool nanoseconds; /* its stamps are; handed over in microseconds */
  enum pf_lengths lengths;
  bool plain;        /* none of the three (plain_below is worked out from it) */
  uint32_t snapshot; /* pcap_snapshot: longer records are cut to it */
  /* snapshot + 1 in a plain file, else 0: pf_next_plain takes a record
   * whose caplen is below it, one test for both (64 bits: no wrap). */
  uint64_t plain_below;
  bool filtered;
  /* Set by the capture thread (run_until) or by pf_source_stop's thread,
   * read by the capture thread before each record, as libpcap's own. */
  atomic_bool break_loop;
  bool eof;       /* read(2) said so; not asked again */
  int read_errno; /* read(2) failed with it; not asked again */
  struct bpf_program prog;
  u_char *buf; /* [pos, end): read, not yet handed over */
  size_t pos, end, cap, chunk;
  uint8_t header[PF_FILE_HEADER]; /* the bytes the handle's FILE reads */
  char err[PCAP_ERRBUF_SIZE];
};

static inline uint32_t pf_load32(const u_char *p, bool swapped) {
  uint32_t v;
  memcpy(&v, p, sizeof(v)); /* records lie at any offset */
  return swapped ? __builtin_bswap32(v) : v;
}

/* The next record: 0 with *h and *data, 1 at the end of the file, -1 with
 * r->err (file_reader.c; every record pf_next_plain does not take). */
int pf_file_next_record(struct pf_file_reader *r, struct pcap_pkthdr *h,
                        const u_char **data);

/* The next record of a plain file (our byte order, microseconds, lengths
 * as they are) when it lies whole in the buffer and within the snapshot
 * (so within PF_FILE_RECORD_MAX): what pf_file_next_record would give,
 * without its calls and branches. false: pf_file_next_record decides. */
static inline __attribute__((always_inline)) bool
pf_next_plain(struct pf_file_reader *r, struct pcap_pkthdr *h,
              const u_char **data) {
  size_t avail = r->end - r->pos;
  if (avail < PF_FILE_RECORD_HEADER)
    return false;
  const u_char *rec = r->buf + r->pos;
  uint32_t caplen = pf_load32(rec + 8, false);
  if (caplen >= r->plain_below ||
      PF_FILE_RECORD_HEADER + (size_t)caplen > avail)
    return false;
  h->ts.tv_sec = (int32_t)pf_load32(rec, false);
  h->ts.tv_usec = (int32_t)pf_load32(rec + 4, false);
  h->caplen = caplen;
  h->len = pf_load32(rec + 12, false);
  *data = rec + PF_FILE_RECORD_HEADER;
  r->pos += PF_FILE_RECORD_HEADER + (size_t)caplen;
  return true;
}

/* pf_file_reader_dispatch (file_reader.h), inline. */
static inline __attribute__((always_inline)) int
pf_file_reader_loop(struct pf_file_reader *r, int cnt, pcap_handler cb,
                    u_char *user) {
  if (cnt <= 0)
    cnt = INT_MAX;
  int n = 0;
  for (;;) {
    if (atomic_load_explicit(&r->break_loop, memory_order_relaxed)) {
      if (n > 0)
        return n; /* the flag stays: the next call returns at once */
      atomic_store_explicit(&r->break_loop, false, memory_order_relaxed);
      return PCAP_ERROR_BREAK;
    }
    struct pcap_pkthdr h;
    const u_char *data;
    if (!pf_next_plain(r, &h, &data)) {
      /* A copy's address goes out of line, not data's: data stays in a
       * register for the callback inlined (2 instructions a frame). */
      const u_char *slow_data = NULL;
      int status = pf_file_next_record(r, &h, &slow_data);
      if (status < 0)
        return PCAP_ERROR; /* whatever this call handed over */
      if (status == 1)
        return n; /* the end: the next call returns 0 */
      data = slow_data;
    }
    if (!r->filtered || pcap_offline_filter(&r->prog, &h, data)) {
      cb(user, &h, data);
      if (++n >= cnt)
        return n;
    }
  }
}

#endif
