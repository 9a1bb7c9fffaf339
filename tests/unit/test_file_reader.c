/* test_file_reader.c - the source's own classic pcap reader
 * (src/source/file_reader.c) against libpcap on crafted files: each magic
 * in each byte order, nanosecond stamps, the lengths of version 2.3 and
 * earlier, snapshot lengths of 0 and beyond the maximum, records longer
 * than the snapshot or than the maximum, records cut in their header and
 * in their data, a file of nothing but its header, a filter that drops
 * some records, records straddling the reader's refills and one exactly a
 * refill long. Every file is read under several batch counts, break
 * points and refill sizes, and the two accounts (every header, byte,
 * batch result and the final error text) must be the same
 * (file_reader_diff.c). A few results are pinned to exact values too, so
 * that the comparison compares something. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "file_reader_diff.h"
#include "source/file_reader.h"
#include "source_files.h"
#include "suites.h"

#define MAGIC_US 0xa1b2c3d4u
#define MAGIC_NS 0xa1b23c4du
#define LT_ETHERNET 1u

static char dir[TEST_DIR_MAX], path[TEST_PATH_MAX];

static void setup(void) { test_file_make(dir, path, "reader", "crafted.pcap"); }

static void teardown(void) { test_file_remove(dir, path); }

/* ---- writing crafted files ---- */

struct crafted {
  FILE *f;
  bool swap; /* written in the other byte order */
};

static void put32(struct crafted *c, uint32_t v) {
  if (c->swap)
    v = __builtin_bswap32(v);
  ck_assert_uint_eq(fwrite(&v, 4, 1, c->f), 1);
}

static void put16(struct crafted *c, uint16_t v) {
  if (c->swap)
    v = __builtin_bswap16(v);
  ck_assert_uint_eq(fwrite(&v, 2, 1, c->f), 1);
}

static struct crafted crafted_open(uint32_t magic, bool swap, uint16_t major,
                                   uint16_t minor, uint32_t snaplen,
                                   uint32_t linktype) {
  struct crafted c = {.f = fopen(path, "wb"), .swap = swap};
  ck_assert_ptr_nonnull(c.f);
  put32(&c, magic);
  put16(&c, major);
  put16(&c, minor);
  put32(&c, 0);
  put32(&c, 0);
  put32(&c, snaplen);
  put32(&c, linktype);
  return c;
}

/* A record claiming caplen and len, of which `bytes` are written: an
 * Ethernet frame of IPv4 protocol `proto` (17 UDP, 6 TCP) as far as it
 * goes, then a pattern of `seed`. */
static void crafted_record(struct crafted *c, uint32_t sec, uint32_t usec,
                           uint32_t caplen, uint32_t len, uint32_t bytes,
                           uint8_t proto, uint8_t seed) {
  put32(c, sec);
  put32(c, usec);
  put32(c, caplen);
  put32(c, len);
  /* One fwrite, not one a byte: check reports every assertion through
   * a pipe. */
  static uint8_t data[PF_FILE_RECORD_MAX + 1];
  ck_assert_uint_le(bytes, sizeof(data));
  for (uint32_t i = 0; i < bytes; i++)
    data[i] = (uint8_t)(seed + i * 7);
  static const uint8_t ip[] = {[12] = 0x08, [13] = 0x00, [14] = 0x45};
  for (uint32_t i = 12; i < 15 && i < bytes; i++)
    data[i] = ip[i];
  if (bytes > 23)
    data[23] = proto;
  ck_assert_uint_eq(fwrite(data, 1, bytes, c->f), bytes);
}

static void crafted_raw(struct crafted *c, const void *p, size_t n) {
  ck_assert_uint_eq(fwrite(p, 1, n, c->f), n);
}

static void crafted_close(struct crafted *c) {
  ck_assert_int_eq(fclose(c->f), 0);
}

/* A record of n bytes, whole. */
static void whole(struct crafted *c, uint32_t sec, uint32_t usec, uint32_t n,
                  uint8_t seed) {
  crafted_record(c, sec, usec, n, n + 4, n, 17, seed);
}

/* ---- comparing ---- */

/* Reads the file both ways under every batch count, break point and
 * refill size (the smallest only for files of up to 64 KiB: a refill of
 * 100 bytes reads a record of the maximum length in 2,600 reads); each
 * must give the same account. Returns the records libpcap handed over
 * (with no filter and no break). */
static unsigned long same_every_way(const char *filter) {
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  static const int batches[] = {1, 3, 0};
  static const unsigned breaks[] = {0, 1, 4};
  static const size_t chunks[] = {0, 100, 4096};
  unsigned long first = 0;
  for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++)
    for (size_t k = 0; k < sizeof(breaks) / sizeof(breaks[0]); k++)
      for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        if (chunks[c] == 100 && st.st_size > 65536)
          continue;
        struct pf_diff_opts o = {.filter = filter,
                                 .batch = batches[b],
                                 .break_at = breaks[k],
                                 .chunk = chunks[c]};
        char why[256];
        unsigned long n;
        enum pf_diff_result r = pf_diff_file(path, &o, &n, why, sizeof(why));
        ck_assert_msg(r == PF_DIFF_SAME,
                      "batch %d, break at %u, chunk %zu: result %d: %s",
                      o.batch, o.break_at, o.chunk, (int)r, why);
        if (b == 0 && k == 0 && c == 0)
          first = n;
      }
  return first;
}

/* What the reader alone gives: the records' headers and the end. */
struct seen {
  unsigned n;
  struct pcap_pkthdr h[16];
  u_char first_byte[16];
};

static void seen_record(u_char *user, const struct pcap_pkthdr *h,
                        const u_char *bytes) {
  struct seen *s = (struct seen *)user;
  if (s->n < 16) {
    s->h[s->n] = *h;
    s->first_byte[s->n] = h->caplen ? bytes[0] : 0;
  }
  s->n++;
}

/* Reads the file with the reader alone; returns the last batch's result
 * and copies the error text into err. */
static int reader_alone(struct seen *s, char *err, size_t errlen) {
  memset(s, 0, sizeof(*s));
  int fd = open(path, O_RDONLY);
  ck_assert_int_ge(fd, 0);
  struct pf_file_reader *r;
  pcap_t *p;
  char perr[PCAP_ERRBUF_SIZE];
  ck_assert_int_eq(pf_file_reader_open(fd, 0, &r, &p, perr), 1);
  int rc;
  while ((rc = pf_file_reader_dispatch(r, 0, seen_record, (u_char *)s)) > 0)
    ;
  snprintf(err, errlen, "%s", rc == PCAP_ERROR ? pf_file_reader_error(r) : "");
  pcap_close(p);
  pf_file_reader_close(r);
  return rc;
}

/* ---- the files ---- */

START_TEST(test_each_magic_either_order) {
  static const uint32_t magics[] = {MAGIC_US, MAGIC_NS};
  for (int m = 0; m < 2; m++)
    for (int sw = 0; sw < 2; sw++) {
      struct crafted c = crafted_open(magics[m], sw, 2, 4, 65535, LT_ETHERNET);
      whole(&c, 1700000000u, 999999999u, 60, 1);
      whole(&c, 1700000001u, 0, 1514, 2);
      whole(&c, 0xffffffffu, 123456789u, 0, 3); /* before 1970; empty */
      whole(&c, 1u, 0x80000000u, 61, 4);        /* a negative fraction */
      crafted_close(&c);
      ck_assert_uint_eq(same_every_way(NULL), 4);
      struct seen s;
      char err[PCAP_ERRBUF_SIZE];
      ck_assert_int_eq(reader_alone(&s, err, sizeof(err)), 0);
      ck_assert_uint_eq(s.n, 4);
      ck_assert_int_eq(s.h[0].ts.tv_sec, 1700000000);
      ck_assert_int_eq(s.h[0].ts.tv_usec, m ? 999999 : 999999999);
      /* Signed in a file of our byte order, unsigned in the other
       * (libpcap's SWAPLONG). */
      ck_assert_int_eq(s.h[2].ts.tv_sec, sw ? 4294967295 : -1);
      long frac = sw ? 2147483648L : (long)INT32_MIN;
      ck_assert_int_eq(s.h[3].ts.tv_usec, m ? frac / 1000 : frac);
      ck_assert_uint_eq(s.h[1].caplen, 1514);
      ck_assert_uint_eq(s.h[1].len, 1518);
    }
}
END_TEST

/* Version 2.2 and 543.0 files hold len before caplen; 2.3 files either
 * way, told apart by which is the larger. */
START_TEST(test_old_versions_swap_lengths) {
  static const uint16_t ver[][2] = {{2, 2}, {2, 3}, {543, 0}, {2, 0}};
  for (int v = 0; v < 4; v++)
    for (int sw = 0; sw < 2; sw++) {
      struct crafted c =
          crafted_open(MAGIC_US, sw, ver[v][0], ver[v][1], 65535, LT_ETHERNET);
      crafted_record(&c, 10, 0, 100, 80, 80, 17, 1);   /* len first */
      crafted_record(&c, 11, 0, 100, 120, 100, 17, 2); /* caplen first */
      crafted_record(&c, 12, 0, 90, 90, 90, 17, 3);
      crafted_close(&c);
      /* Read with the lengths the wrong way round, a record runs into
       * the next: how far each version gets is libpcap's to say. */
      ck_assert_uint_ge(same_every_way(NULL), 1);
    }
  /* 2.3: the first record is read as 80 captured of 100. */
  struct crafted c = crafted_open(MAGIC_US, false, 2, 3, 65535, LT_ETHERNET);
  crafted_record(&c, 10, 0, 100, 80, 80, 17, 1);
  crafted_record(&c, 11, 0, 100, 120, 100, 17, 2);
  crafted_close(&c);
  struct seen s;
  char err[PCAP_ERRBUF_SIZE];
  ck_assert_int_eq(reader_alone(&s, err, sizeof(err)), 0);
  ck_assert_uint_eq(s.n, 2);
  ck_assert_uint_eq(s.h[0].caplen, 80);
  ck_assert_uint_eq(s.h[0].len, 100);
  ck_assert_uint_eq(s.h[1].caplen, 100);
  ck_assert_uint_eq(s.h[1].len, 120);
}
END_TEST

/* A snapshot of 0 or past the maximum is read as the maximum; a record
 * longer than the snapshot hands over the snapshot's bytes and skips the
 * rest; one longer than the maximum ends the file with an error. */
START_TEST(test_snapshot_lengths) {
  static const uint32_t snaps[] = {0, 0xffffffffu, 262144, 262145, 100, 1};
  for (int i = 0; i < 6; i++)
    for (int sw = 0; sw < 2; sw++) {
      struct crafted c =
          crafted_open(MAGIC_US, sw, 2, 4, snaps[i], LT_ETHERNET);
      whole(&c, 1, 0, 60, 1);
      whole(&c, 2, 0, 200, 2); /* longer than a snapshot of 100 */
      whole(&c, 3, 0, 262144, 3);
      whole(&c, 4, 0, 99, 4);
      crafted_close(&c);
      ck_assert_uint_eq(same_every_way(NULL), 4);
    }
  struct crafted c = crafted_open(MAGIC_US, false, 2, 4, 100, LT_ETHERNET);
  whole(&c, 2, 0, 200, 2);
  whole(&c, 4, 0, 99, 4);
  crafted_close(&c);
  struct seen s;
  char err[PCAP_ERRBUF_SIZE];
  ck_assert_int_eq(reader_alone(&s, err, sizeof(err)), 0);
  ck_assert_uint_eq(s.n, 2);
  ck_assert_uint_eq(s.h[0].caplen, 100);
  ck_assert_uint_eq(s.h[0].len, 204);
  ck_assert_uint_eq(s.first_byte[1], 4); /* the skipped bytes stay skipped */
}
END_TEST

START_TEST(test_capture_length_past_the_maximum) {
  static const uint32_t snaps[] = {65535, 0};
  static const char *want[] = {
      "invalid packet capture length 262145, bigger than snaplen of 65535",
      "invalid packet capture length 262145, bigger than snaplen of 262144"};
  for (int i = 0; i < 2; i++) {
    struct crafted c = crafted_open(MAGIC_US, false, 2, 4, snaps[i], 1);
    whole(&c, 1, 0, 60, 1);
    crafted_record(&c, 2, 0, 262145, 262145, 262145, 17, 2);
    whole(&c, 3, 0, 60, 3);
    crafted_close(&c);
    ck_assert_uint_eq(same_every_way(NULL), 1);
    struct seen s;
    char err[PCAP_ERRBUF_SIZE];
    ck_assert_int_eq(reader_alone(&s, err, sizeof(err)), PCAP_ERROR);
    ck_assert_str_eq(err, want[i]);
    ck_assert_uint_eq(s.n, 1);
  }
}
END_TEST

/* Cut in a record's header, in its data, in the snapshot's part of a
 * record longer than the snapshot and in the part skipped. */
START_TEST(test_truncated_records) {
  struct {
    uint32_t snap, caplen, written;
    const char *want;
  } cuts[] = {
      {65535, 300, 0, NULL}, /* the header only: cut in its data */
      {65535, 300, 299,
       "truncated dump file; tried to read 300 captured bytes, only got 299"},
      {100, 300, 50,
       "truncated dump file; tried to read 100 captured bytes, only got 50"},
      {100, 300, 150,
       "truncated dump file; tried to read 300 captured bytes, only got 150"},
      {100, 300, 100,
       "truncated dump file; tried to read 300 captured bytes, only got 100"},
  };
  for (int i = 0; i < 5; i++)
    for (int sw = 0; sw < 2; sw++) {
      struct crafted c =
          crafted_open(MAGIC_NS, sw, 2, 4, cuts[i].snap, LT_ETHERNET);
      whole(&c, 1, 0, 60, 1);
      crafted_record(&c, 2, 0, cuts[i].caplen, cuts[i].caplen, cuts[i].written,
                     17, 2);
      crafted_close(&c);
      ck_assert_uint_eq(same_every_way(NULL), 1);
      struct seen s;
      char err[PCAP_ERRBUF_SIZE];
      ck_assert_int_eq(reader_alone(&s, err, sizeof(err)), PCAP_ERROR);
      if (cuts[i].want)
        ck_assert_str_eq(err, cuts[i].want);
    }
  for (uint32_t cut = 1; cut < 16; cut++) {
    struct crafted c = crafted_open(MAGIC_US, false, 2, 4, 65535, 1);
    whole(&c, 1, 0, 60, 1);
    static const uint8_t part[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    crafted_raw(&c, part, cut);
    crafted_close(&c);
    ck_assert_uint_eq(same_every_way(NULL), 1);
    struct seen s;
    char err[PCAP_ERRBUF_SIZE], want[128];
    ck_assert_int_eq(reader_alone(&s, err, sizeof(err)), PCAP_ERROR);
    snprintf(want, sizeof(want),
             "truncated dump file; tried to read 16 header bytes, only got %u",
             cut);
    ck_assert_str_eq(err, want);
  }
}
END_TEST

START_TEST(test_header_and_nothing_else) {
  for (int sw = 0; sw < 2; sw++) {
    struct crafted c = crafted_open(MAGIC_US, sw, 2, 4, 65535, LT_ETHERNET);
    crafted_close(&c);
    ck_assert_uint_eq(same_every_way(NULL), 0);
    struct seen s;
    char err[PCAP_ERRBUF_SIZE];
    ck_assert_int_eq(reader_alone(&s, err, sizeof(err)), 0);
    ck_assert_uint_eq(s.n, 0);
  }
}
END_TEST

/* Only records that pass count toward a batch, and a filter that does not
 * compile is refused on both. */
START_TEST(test_filter_drops_some) {
  struct crafted c = crafted_open(MAGIC_US, false, 2, 4, 65535, LT_ETHERNET);
  for (unsigned i = 0; i < 40; i++)
    crafted_record(&c, i, 0, 60 + i, 60 + i, 60 + i, i % 3 ? 6 : 17,
                   (uint8_t)i);
  crafted_close(&c);
  ck_assert_uint_eq(same_every_way("udp"), 14);
  ck_assert_uint_eq(same_every_way("tcp and len > 80"), 12);
  /* Neither compiles it: both read every record. */
  ck_assert_uint_eq(same_every_way("tcp port"), 40);
}
END_TEST

/* Records of every length around the refill sizes, so that headers and
 * data straddle refills at every offset; one record exactly a refill long
 * and one whose data alone is. */
START_TEST(test_records_straddle_refills) {
  struct crafted c = crafted_open(MAGIC_US, true, 2, 4, 65535, LT_ETHERNET);
  unsigned n = 0;
  for (uint32_t len = 0; len < 200; len++, n++)
    whole(&c, n, len, len, (uint8_t)len);
  whole(&c, n++, 0, 100 - 16, 1);  /* a record of 100: the small refill */
  whole(&c, n++, 0, 4096 - 16, 3); /* ... of 4096 */
  whole(&c, n++, 0, 4096, 4);      /* data of a refill's length */
  whole(&c, n++, 0, 100, 6);
  for (uint32_t i = 0; i < 300; i++, n++)
    whole(&c, n, i, 900 + (i * 37) % 700, (uint8_t)i);
  crafted_close(&c);
  ck_assert_uint_eq(same_every_way(NULL), n);
}
END_TEST

/* More than two default refills of frames, so that the tail is moved
 * and the file read on many times at the size the source uses. */
START_TEST(test_large_file_default_refills) {
  struct crafted c = crafted_open(MAGIC_NS, false, 2, 4, 262144, LT_ETHERNET);
  unsigned n = 0;
  for (; n < 3000; n++)
    whole(&c, n, n * 1000u, 60 + (n * 131) % 1455, (uint8_t)n);
  whole(&c, n++, 0, 262144, 9);
  whole(&c, n++, 0, 200000, 8);
  crafted_close(&c);
  struct pf_diff_opts o = {.batch = 4096};
  char why[256];
  unsigned long got;
  ck_assert_int_eq(pf_diff_file(path, &o, &got, why, sizeof(why)),
                   PF_DIFF_SAME);
  ck_assert_uint_eq(got, n);
}
END_TEST

/* Formats and link types the reader leaves to libpcap; headers libpcap
 * refuses, with its words. */
START_TEST(test_what_stays_with_libpcap) {
  struct {
    uint32_t magic;
    bool swap;
    uint16_t major, minor;
    uint32_t linktype;
    enum pf_diff_result want;
  } files[] = {
      {0xa1b2cd34u, false, 2, 4, 1, PF_DIFF_NOT_READER}, /* patched */
      {MAGIC_US, true, 2, 4, 113, PF_DIFF_NOT_READER},   /* SLL swapped */
      {MAGIC_US, true, 2, 4, 276, PF_DIFF_NOT_READER},   /* SLL2 swapped */
      {MAGIC_US, false, 2, 4, 147, PF_DIFF_NOT_READER},  /* USER0 */
      {MAGIC_US, false, 2, 4, 113, PF_DIFF_SAME},        /* SLL */
      {MAGIC_US, true, 2, 4, 0, PF_DIFF_SAME},           /* NULL swapped */
      {MAGIC_US, true, 2, 4, 101, PF_DIFF_SAME},         /* RAW */
      {MAGIC_US, false, 1, 0, 1, PF_DIFF_HEADER_SAME},   /* archaic */
      {MAGIC_US, true, 2, 5, 1, PF_DIFF_HEADER_SAME},    /* unsupported */
      {0x0a0d0d0au, false, 2, 4, 1, PF_DIFF_NOT_READER}, /* pcapng-like */
  };
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    struct crafted c =
        crafted_open(files[i].magic, files[i].swap, files[i].major,
                     files[i].minor, 65535, files[i].linktype);
    whole(&c, 1, 0, 60, 1);
    crafted_close(&c);
    struct pf_diff_opts o = {.batch = 4096};
    char why[256];
    ck_assert_msg(pf_diff_file(path, &o, NULL, why, sizeof(why)) ==
                      files[i].want,
                  "file %zu: %s", i, why);
  }
  /* Shorter than a file header: libpcap's. */
  for (size_t n = 0; n < 24; n++) {
    struct crafted c = crafted_open(MAGIC_US, false, 2, 4, 65535, 1);
    crafted_close(&c);
    ck_assert_int_eq(truncate(path, (off_t)n), 0);
    struct pf_diff_opts o = {.batch = 4096};
    char why[256];
    ck_assert_int_eq(pf_diff_file(path, &o, NULL, why, sizeof(why)),
                     PF_DIFF_NOT_READER);
  }
}
END_TEST

Suite *pf_file_reader_suite(void) {
  Suite *s = suite_create("file_reader");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_each_magic_either_order);
  tcase_add_test(tc, test_old_versions_swap_lengths);
  tcase_add_test(tc, test_snapshot_lengths);
  tcase_add_test(tc, test_capture_length_past_the_maximum);
  tcase_add_test(tc, test_truncated_records);
  tcase_add_test(tc, test_header_and_nothing_else);
  tcase_add_test(tc, test_filter_drops_some);
  tcase_add_test(tc, test_records_straddle_refills);
  tcase_add_test(tc, test_large_file_default_refills);
  tcase_add_test(tc, test_what_stays_with_libpcap);
  suite_add_tcase(s, tc);
  return s;
}
