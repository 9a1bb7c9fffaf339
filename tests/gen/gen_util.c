/* gen_util.c - error exits, the splitmix64 PRNG, byte order helpers and the
 * pcap/pcapng writer. */
#include "gen_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void gen_die(const char *fmt, ...) {
  va_list ap;

  fputs("pcapflow-gen: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(EXIT_USER_ERROR);
}

/* A broken promise inside the generator: its truth can no longer be trusted,
 * so stop loudly instead of writing a wrong truth file. */
_Noreturn void gen_bug(const char *file, int line, const char *what) {
  fprintf(stderr, "pcapflow-gen: internal error at %s:%d: %s\n", file, line,
          what);
  abort();
}

uint64_t gen_rng_next(struct rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Uniform in [0, n) by multiply-shift: no modulo bias worth caring about and
 * no division in the hot path of the mixed scenario. */
uint32_t gen_rng_below(struct rng *r, uint32_t n) {
  GEN_ASSERT(n > 0);
  return (uint32_t)(((gen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

uint32_t gen_rng_range(struct rng *r, uint32_t lo, uint32_t hi) {
  GEN_ASSERT(lo <= hi);
  return lo + gen_rng_below(r, hi - lo + 1);
}

void gen_wr_be16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* File headers are written little-endian explicitly (not host order), so the
 * output does not depend on the machine that ran the generator. */
static void wr_le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

void gen_wr_le32(uint8_t *p, uint32_t v) {
  wr_le16(p, (uint16_t)v);
  wr_le16(p + 2, (uint16_t)(v >> 16));
}

/* One large stdio buffer: the mixed scenario writes gigabytes of small
 * records and must not pay a system call per packet. */
static char writer_buf[1 << 22];

static void writer_put(struct writer *w, const void *p, size_t n) {
  if (n != 0 && fwrite(p, 1, n, w->fp) != n)
    gen_die("--out %s: write failed: %s", w->path, strerror(errno));
}

void gen_writer_open(struct writer *w, const char *path, enum out_format format,
                     uint32_t linktype) {
  uint8_t h[28];

  w->fp = fopen(path, "wb");
  if (w->fp == NULL)
    gen_die("--out %s: cannot open for writing: %s", path, strerror(errno));
  setvbuf(w->fp, writer_buf, _IOFBF, sizeof writer_buf);
  w->path = path;
  w->format = format;
  if (format == FORMAT_PCAP) {
    gen_wr_le32(h, 0xa1b2c3d4); /* microsecond timestamps */
    wr_le16(h + 4, 2);
    wr_le16(h + 6, 4);
    gen_wr_le32(h + 8, 0);  /* thiszone */
    gen_wr_le32(h + 12, 0); /* sigfigs */
    gen_wr_le32(h + 16, 262144);
    gen_wr_le32(h + 20, linktype);
    writer_put(w, h, 24);
    return;
  }
  /* Section Header Block; section length -1 ("unknown") spares us from
   * seeking back to patch it. */
  gen_wr_le32(h, 0x0a0d0d0a);
  gen_wr_le32(h + 4, 28);
  gen_wr_le32(h + 8, 0x1a2b3c4d);
  wr_le16(h + 12, 1);
  wr_le16(h + 14, 0);
  gen_wr_le32(h + 16, 0xffffffff);
  gen_wr_le32(h + 20, 0xffffffff);
  gen_wr_le32(h + 24, 28);
  writer_put(w, h, 28);
  /* Interface Description Block without options: if_tsresol then defaults to
   * microseconds, the same resolution as the classic format. */
  gen_wr_le32(h, 1);
  gen_wr_le32(h + 4, 20);
  wr_le16(h + 8, (uint16_t)linktype);
  wr_le16(h + 10, 0);
  gen_wr_le32(h + 12, 262144);
  gen_wr_le32(h + 16, 20);
  writer_put(w, h, 20);
}

void gen_writer_packet(struct writer *w, uint64_t ts_us, const uint8_t *data,
                       uint32_t caplen, uint32_t len) {
  static const uint8_t zero[4];
  uint8_t h[28];

  if (w->format == FORMAT_PCAP) {
    gen_wr_le32(h, (uint32_t)(ts_us / 1000000));
    gen_wr_le32(h + 4, (uint32_t)(ts_us % 1000000));
    gen_wr_le32(h + 8, caplen);
    gen_wr_le32(h + 12, len);
    writer_put(w, h, 16);
    writer_put(w, data, caplen);
    return;
  }
  /* Enhanced Packet Block: data is padded to 32 bits, total length repeated. */
  uint32_t pad = (4 - caplen % 4) % 4;
  uint32_t total = 32 + caplen + pad;

  gen_wr_le32(h, 6);
  gen_wr_le32(h + 4, total);
  gen_wr_le32(h + 8, 0); /* interface 0, the only IDB */
  gen_wr_le32(h + 12, (uint32_t)(ts_us >> 32));
  gen_wr_le32(h + 16, (uint32_t)ts_us);
  gen_wr_le32(h + 20, caplen);
  gen_wr_le32(h + 24, len);
  writer_put(w, h, 28);
  writer_put(w, data, caplen);
  writer_put(w, zero, pad);
  gen_wr_le32(h, total);
  writer_put(w, h, 4);
}

void gen_writer_close(struct writer *w) {
  /* fclose alone may hide a failed final flush (disk full): check both. */
  if (fflush(w->fp) != 0 || ferror(w->fp)) {
    int err = errno;

    fclose(w->fp);
    gen_die("--out %s: write failed: %s", w->path, strerror(err));
  }
  if (fclose(w->fp) != 0)
    gen_die("--out %s: write failed: %s", w->path, strerror(errno));
}
