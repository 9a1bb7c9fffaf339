/* seed_frames.c - turns a capture into fuzz_frames seeds: one input per
 * frame, and one holding the first frames together (so the flow table's
 * state across packets has seeds too); with --hostile, writes the
 * hand-built seeds at the decoder's edges (seed_hostile.c). Used by
 * `make fuzz-seeds`. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_input.h"
#include "seed_hostile.h"

#define FZ_SEED_GROUP 32

static int fz_link_index(int dlt) {
  for (size_t i = 0; i < FZ_LINK_TYPES; i++)
    if (fz_link_types[i] == dlt)
      return (int)i;
  return -1;
}

static void fz_put_record(FILE *f, const struct pcap_pkthdr *h,
                          const u_char *bytes) {
  uint32_t caplen = h->caplen > 0xffff ? 0xffff : h->caplen;
  uint32_t len = h->len > 0xffffff ? 0xffffff : h->len;
  const uint8_t head[FZ_RECORD_HEADER] = {(uint8_t)(caplen >> 8),
                                          (uint8_t)caplen, (uint8_t)(len >> 16),
                                          (uint8_t)(len >> 8), (uint8_t)len};
  fwrite(head, 1, sizeof(head), f);
  fwrite(bytes, 1, caplen, f);
}

static FILE *fz_open_seed(const char *dir, const char *prefix, const char *tag,
                          unsigned n, int link) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s-%s%05u", dir, prefix, tag, n);
  FILE *f = fopen(path, "wb");
  if (!f) {
    perror(path);
    exit(1);
  }
  fputc(link, f);
  return f;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--hostile") == 0) {
    fz_write_hostile(argv[2]);
    return 0;
  }
  if (argc != 4) {
    fprintf(stderr, "usage: seed_frames CAPTURE OUTDIR PREFIX\n"
                    "       seed_frames --hostile OUTDIR\n");
    return 2;
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(argv[1], err);
  if (!p) {
    fprintf(stderr, "seed_frames: %s\n", err);
    return 1;
  }
  int link = fz_link_index(pcap_datalink(p));
  if (link < 0) {
    fprintf(stderr, "seed_frames: %s: link type not supported\n", argv[1]);
    return 1;
  }
  FILE *group = fz_open_seed(argv[2], argv[3], "group", 0, link);
  struct pcap_pkthdr *h;
  const u_char *bytes;
  unsigned n = 0;
  while (pcap_next_ex(p, &h, &bytes) == 1) {
    FILE *f = fz_open_seed(argv[2], argv[3], "frame", n, link);
    fz_put_record(f, h, bytes);
    fclose(f);
    if (n < FZ_SEED_GROUP)
      fz_put_record(group, h, bytes);
    n++;
  }
  fclose(group);
  pcap_close(p);
  return 0;
}
