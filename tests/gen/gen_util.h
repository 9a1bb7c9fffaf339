/* gen_util.h - PRNG, error exits, byte helpers and the pcap/pcapng writer of
 * pcapflow-gen. */
#ifndef PCAPFLOW_GEN_UTIL_H
#define PCAPFLOW_GEN_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Every user error (bad option, unwritable file) exits with this status, so
 * scripts can tell it from a crash or an internal bug (abort). */
#define EXIT_USER_ERROR 2

/* gen_die() is called from every file: let the compiler check its format
 * strings. */
#if defined(__GNUC__)
#define GEN_PRINTF(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define GEN_PRINTF(fmt, first)
#endif

/* Prints "pcapflow-gen: <message>" and exits with EXIT_USER_ERROR. */
_Noreturn void gen_die(const char *fmt, ...) GEN_PRINTF(1, 2);

/* Reports a failed GEN_ASSERT and aborts. */
_Noreturn void gen_bug(const char *file, int line, const char *what);

#define GEN_ASSERT(c)                                                          \
  do {                                                                         \
    if (!(c))                                                                  \
      gen_bug(__FILE__, __LINE__, #c);                                         \
  } while (0)

/* splitmix64: tiny, fast, and identical on every platform, so the same seed
 * gives byte-identical captures everywhere. */
struct rng {
  uint64_t s;
};

uint64_t gen_rng_next(struct rng *r);
/* Uniform in [0, n); n must not be 0. */
uint32_t gen_rng_below(struct rng *r, uint32_t n);
/* Uniform in [lo, hi]. */
uint32_t gen_rng_range(struct rng *r, uint32_t lo, uint32_t hi);

/* Store a value at p big-endian (network order) or little-endian, whatever
 * the host order. */
void gen_wr_be16(uint8_t *p, uint16_t v);
void gen_wr_le32(uint8_t *p, uint32_t v);

enum out_format { FORMAT_PCAP, FORMAT_PCAPNG };

struct writer {
  FILE *fp;
  const char *path;
  enum out_format format;
};

/* Creates the capture file and writes its header(s) for `linktype`; every
 * failure exits through gen_die(). */
void gen_writer_open(struct writer *w, const char *path, enum out_format format,
                     uint32_t linktype);
/* One record: the first caplen bytes of a frame len bytes long. */
void gen_writer_packet(struct writer *w, uint64_t ts_us, const uint8_t *data,
                       uint32_t caplen, uint32_t len);
void gen_writer_close(struct writer *w);

#endif
