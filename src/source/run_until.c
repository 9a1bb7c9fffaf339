/* run_until.c - a file read in steps of packet time (pf_source_run_until),
 * so that a tool can take a snapshot at each interval boundary exactly as
 * collectd's read would on a live source (pcapflow-replay -i): the
 * per-port figures, the top lists and every other per-interval series can
 * then be checked on a capture whose truth is known.
 *
 * libpcap cannot put a packet back, so the packet that crosses the
 * boundary is held: copied once into a buffer allocated at the first call
 * and counted at the next, before any later packet. The boundary is
 * looked at only in this file's handler; the ordinary capture path
 * (capture.c's pf_capture_packet) is the same with or without it. */
#include "source/worker.h"

#include <stdlib.h>
#include <string.h>

#include "base/check.h"
#include "base/err.h"

/* libpcap's largest captured length (MAXIMUM_SNAPLEN), which it refuses
 * to exceed in a file: the held copy is never cut. */
#define PF_HELD_MAX PF_MAX_SNAPLEN

struct pf_pause {
  uint64_t until_us; /* this call's boundary */
  bool held;         /* hdr and bytes: a packet read, not yet counted */
  struct pcap_pkthdr hdr;
  u_char bytes[PF_HELD_MAX];
};

/* Stamps are two's complement (pf_stamp_us), so a record stamped before
 * 1970 is before every boundary, not after all of them. UINT64_MAX is the
 * file's end, after every packet. */
static bool pf_before(uint64_t stamp_us, uint64_t until_us) {
  return until_us == UINT64_MAX || (int64_t)stamp_us < (int64_t)until_us;
}

/* A packet before the boundary is accounted; the first at or after it is
 * held, and ends the batch. */
static void pf_until_packet(u_char *user, const struct pcap_pkthdr *h,
                            const u_char *bytes) {
  struct pf_worker *w = (struct pf_worker *)user;
  struct pf_pause *p = w->pause;
  if (pf_before(pf_stamp_us(h), p->until_us)) {
    pf_capture_packet(user, h, bytes);
    return;
  }
  PF_ASSERT(!p->held);
  p->hdr = *h;
  if (p->hdr.caplen > sizeof(p->bytes)) /* cannot happen (libpcap's bound) */
    p->hdr.caplen = sizeof(p->bytes);
  memcpy(p->bytes, bytes, p->hdr.caplen);
  p->held = true;
  pf_file_breakloop(w);
}

/* One batch: the held packet when its time has come, then up to
 * PF_FILE_BATCH packets of the file (none while the held one waits).
 * Returns pcap_dispatch's result (0 without a read); w->batch_n is the
 * number of packets accounted. A batch that ended by holding a packet
 * leaves the reader's break flag set (libpcap's, or file_reader.c's), so the
 * next read returns PCAP_ERROR_BREAK at once, with no packet: the caller reads
 * on. */
static int pf_until_batch(struct pf_worker *w) {
  struct pf_pause *p = w->pause;
  w->batch_n = 0;
  if (p->held && pf_before(pf_stamp_us(&p->hdr), p->until_us)) {
    p->held = false;
    pf_capture_packet((u_char *)w, &p->hdr, p->bytes);
  }
  if (p->held)
    return 0;
  return pf_file_dispatch(w, pf_until_packet);
}

/* A pause is what an idle live link does between its last packet and a
 * read: packet time moves on to the boundary, expiring what has timed out
 * by then (flows, unanswered SYNs and DNS queries), as the monotonic
 * clock moves it on a live link; and the interval the last snapshot
 * swapped out is fed whole, so that the next snapshot receives it
 * (shard.h, "Intervals"). A live link feeds it over several idle wakes;
 * here the read must find it done, however many flows it has. */
static void pf_until_idle(struct pf_worker *w) {
  struct pf_packet_clock *c = &w->shard.clock;
  PF_BATCH_LOCK(w);
  int64_t ahead = (int64_t)w->pause->until_us - c->ref_us;
  if (c->started && ahead > 0)
    pf_shard_expire(&w->shard, c->now_us + (uint64_t)ahead, UINT32_MAX);
  do
    pf_shard_batch_end(&w->shard);
  while (w->shard.closing_open);
  PF_BATCH_UNLOCK(w);
}

/* The first call: the file opened, the held packet's buffer made. */
static int pf_until_open(struct pf_worker *w, char *err, size_t errlen) {
  if (w->src->cfg.kind != PF_SOURCE_FILE)
    return pf_err(err, errlen, "\"%s\" is no file: it cannot be read in steps",
                  w->src->cfg.device);
  w->pause = calloc(1, sizeof(*w->pause));
  if (!w->pause)
    return pf_err(err, errlen, "out of memory for a held packet");
  if (pf_capture_open_file(w, err, errlen) != 0)
    return -1; /* the next call finds no handle, and says so again */
  return 0;
}

int pf_source_run_until(struct pf_source *src, uint64_t until_us,
                        uint64_t *next_us, char *err, size_t errlen) {
  struct pf_worker *w = &src->workers[0];
  if (!w->pause && pf_until_open(w, err, errlen) != 0)
    return -1;
  w->pause->until_us = until_us;
  while (w->pcap && !atomic_load(&src->stop)) {
    int n = pf_until_batch(w);
    pf_after_batch(w, (int)w->batch_n, 0);
    if (w->pause->held) {
      pf_until_idle(w);
      *next_us = pf_stamp_us(&w->pause->hdr);
      return PF_SOURCE_PAUSED;
    }
    if (n != PCAP_ERROR_BREAK && n <= 0)
      pf_file_ended(w, n);
  }
  if (!w->health.finished && !w->file_error[0] && !atomic_load(&src->stop))
    return pf_err(err, errlen, "\"%s\" could not be opened", src->cfg.device);
  return pf_source_file_result(src, err, errlen);
}
