/* bench_collide.c - what crafted colliding flow keys cost the flow table:
 * reads a capture into memory, runs every frame through decode and the flow
 * table (default MaxFlows and timeouts, packet time from the capture) and
 * prints the time per frame and the longest bucket chain it left.
 * MAX_FRAMES reads only the first frames, for a quick count of chains.
 *
 * Built twice (mk/bench.mk): bench-collide with the engine's random seed,
 * as in production, and bench-collide-knownseed with the seed of
 * tests/known_seed, which pcapflow-gen --scenario collide aims its keys at.
 * bench/collide.sh runs both over the same capture. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "packet/decode.h"
#include "flow/flow.h"

struct frame_ref {
  size_t off; /* into frames.bytes */
  uint32_t caplen, len;
  uint64_t ts_us;
};

/* The whole capture in memory, so reading it costs nothing measured. */
struct frames {
  uint8_t *bytes;
  size_t used, cap;
  struct frame_ref *refs;
  size_t n, refs_cap;
};

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *grow(void *p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap)
    return p;
  while (*cap < need)
    *cap = *cap ? *cap * 2 : 4096;
  p = realloc(p, *cap * size);
  if (!p) {
    fprintf(stderr, "bench-collide: out of memory\n");
    exit(1);
  }
  return p;
}

static int load(const char *path, size_t max_frames, struct frames *fr,
                int *dlt) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, err);
  if (!p) {
    fprintf(stderr, "bench-collide: %s\n", err);
    return -1;
  }
  *dlt = pcap_datalink(p);
  struct pcap_pkthdr *h;
  const u_char *data;
  while (fr->n < max_frames && pcap_next_ex(p, &h, &data) == 1) {
    fr->bytes = grow(fr->bytes, &fr->cap, fr->used + h->caplen, 1);
    fr->refs = grow(fr->refs, &fr->refs_cap, fr->n + 1, sizeof(*fr->refs));
    memcpy(fr->bytes + fr->used, data, h->caplen);
    fr->refs[fr->n++] = (struct frame_ref){fr->used, h->caplen, h->len,
                                           (uint64_t)h->ts.tv_sec * 1000000 +
                                               (uint64_t)h->ts.tv_usec};
    fr->used += h->caplen;
  }
  pcap_close(p);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: bench-collide CAPTURE [MAX_FRAMES]\n");
    return 2;
  }
  size_t max_frames = argc == 3 ? strtoull(argv[2], NULL, 10) : SIZE_MAX;
  struct frames fr = {0};
  int dlt;
  if (load(argv[1], max_frames, &fr, &dlt) != 0)
    return 1;

  struct pf_flow_timeouts to = {
      PF_DEFAULT_TCP_TIMEOUT,   PF_DEFAULT_TCP_CLOSED_TIMEOUT,
      PF_DEFAULT_UDP_TIMEOUT,   PF_DEFAULT_ICMP_TIMEOUT,
      PF_DEFAULT_OTHER_TIMEOUT, PF_DEFAULT_ACTIVE_TIMEOUT};
  struct pf_flow_table t;
  char err[256];
  if (pf_flow_table_init(&t, PF_DEFAULT_MAX_FLOWS, &to, err, sizeof(err))) {
    fprintf(stderr, "bench-collide: %s\n", err);
    return 1;
  }

  /* Decoding alone, measured and subtracted: what is left is the table. */
  struct pf_packet pkt;
  double t0 = now_seconds();
  for (size_t i = 0; i < fr.n; i++) {
    const struct frame_ref *r = &fr.refs[i];
    pf_decode(dlt, fr.bytes + r->off, r->caplen, r->len, &pkt);
    __asm__ volatile("" : : "r"(&pkt) : "memory");
  }
  double decode = now_seconds() - t0;
  t0 = now_seconds();
  for (size_t i = 0; i < fr.n; i++) {
    const struct frame_ref *r = &fr.refs[i];
    pf_decode(dlt, fr.bytes + r->off, r->caplen, r->len, &pkt);
    pf_flow_table_packet(&t, &pkt, r->ts_us);
  }
  double table = now_seconds() - t0 - decode;

  uint32_t longest = 0, chains = 0;
  for (uint32_t b = 0; b < t.buckets.count; b++) {
    uint32_t len = 0;
    for (uint32_t ref = pf_bucket_get(&t.buckets, b); ref != PF_FLOW_NONE;
         ref = pf_flow_at(&t, ref)->next)
      len++;
    chains += len > 0;
    if (len > longest)
      longest = len;
  }
  uint64_t flows = pf_flow_table_count(&t);
  printf("frames %zu flows %llu buckets_used %u longest_chain %u "
         "flow_table_ns_per_frame %.1f decode_ns_per_frame %.1f\n",
         fr.n, (unsigned long long)flows, chains, longest,
         fr.n ? table * 1e9 / (double)fr.n : 0.0,
         fr.n ? decode * 1e9 / (double)fr.n : 0.0);
  pf_flow_table_free(&t);
  free(fr.bytes);
  free(fr.refs);
  return 0;
}
