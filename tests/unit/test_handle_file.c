/* test_handle_file.c - a classic pcap file opened for a source (handle.c)
 * is read by the source's own reader, and a pcapng file through the large
 * stdio buffer; either gives every frame libpcap's plain open gives, in
 * order, byte for byte, across many refills; a file that cannot be opened
 * fails with pcap_open_offline's own message, and standard input ("-") is
 * still read by libpcap. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "flow_packets.h"
#include "source/worker.h"
#include "source_files.h"
#include "suites.h"

/* More than four times the 256 KiB buffer, in frames of odd lengths, so
 * that headers and frames straddle its refills. */
#define N_FRAMES 1200u

static char dir[TEST_DIR_MAX], path[TEST_PATH_MAX];

static void setup(void) {
  test_file_make(dir, path, "handle", "big.pcap");
  static struct pkt p[N_FRAMES];
  for (unsigned i = 0; i < N_FRAMES; i++)
    p[i] = (struct pkt){.proto = P_UDP,
                        .sport = (uint16_t)(1000 + i),
                        .dport = 53,
                        .payload = 200 + (i * 37) % 1300};
  uint32_t ts = 1700000000u;
  pkt_write_capture(path, p, N_FRAMES, &ts);
}

static void teardown(void) { test_file_remove(dir, path); }

static struct pf_source_config file_config(const char *device) {
  struct pf_source_config cfg;
  pf_source_config_init(&cfg, PF_SOURCE_FILE);
  cfg.device = strdup(device);
  return cfg;
}

/* Reads both handles to their ends in step; returns the frames read. */
static unsigned same_frames(pcap_t *a, pcap_t *b) {
  struct pcap_pkthdr *ha, *hb;
  const u_char *da, *db;
  unsigned n = 0;
  for (;;) {
    int ra = pcap_next_ex(a, &ha, &da), rb = pcap_next_ex(b, &hb, &db);
    ck_assert_int_eq(ra, rb);
    if (ra != 1)
      break;
    ck_assert_int_eq(ha->caplen, hb->caplen);
    ck_assert_int_eq(ha->len, hb->len);
    ck_assert_int_eq(ha->ts.tv_sec, hb->ts.tv_sec);
    ck_assert_int_eq(ha->ts.tv_usec, hb->ts.tv_usec);
    ck_assert(memcmp(da, db, ha->caplen) == 0);
    n++;
  }
  return n;
}

/* The frames of a handle the reader reads, in a log of their headers
 * and bytes, and the same of a plain libpcap handle. */
struct frame_log {
  pcap_t *plain;
  unsigned n;
  bool differs;
};

static void against_plain(u_char *user, const struct pcap_pkthdr *h,
                          const u_char *bytes) {
  struct frame_log *l = (struct frame_log *)user;
  struct pcap_pkthdr *hp;
  const u_char *dp;
  if (pcap_next_ex(l->plain, &hp, &dp) != 1 || hp->caplen != h->caplen ||
      hp->len != h->len || hp->ts.tv_sec != h->ts.tv_sec ||
      hp->ts.tv_usec != h->ts.tv_usec || memcmp(dp, bytes, h->caplen) != 0)
    l->differs = true;
  l->n++;
}

START_TEST(test_classic_file_goes_to_the_reader) {
  struct pf_source_config cfg = file_config(path);
  char err[PF_ERR_MAX], perr[PCAP_ERRBUF_SIZE];
  struct pf_file_io io = {(void *)1, (void *)1};
  pcap_t *p = pf_handle_open(&cfg, -1, 0, &io, err, sizeof(err));
  ck_assert_msg(p != NULL, "%s", err);
  ck_assert_ptr_nonnull(io.reader);
  ck_assert_ptr_null(io.stdio_buf);
  struct frame_log l = {.plain = pcap_open_offline(path, perr)};
  ck_assert_msg(l.plain != NULL, "%s", perr);
  int rc;
  while ((rc = pf_file_reader_dispatch(io.reader, 100, against_plain,
                                       (u_char *)&l)) > 0)
    ;
  ck_assert_int_eq(rc, 0);
  ck_assert(!l.differs);
  ck_assert_uint_eq(l.n, N_FRAMES + 1); /* and the ARP */
  struct pcap_pkthdr *h;
  const u_char *d;
  ck_assert_int_eq(pcap_next_ex(l.plain, &h, &d), PCAP_ERROR_BREAK);
  pf_handle_close(p, &io);
  ck_assert_ptr_null(io.reader);
  pcap_close(l.plain);
  pf_source_config_free(&cfg);
}
END_TEST

START_TEST(test_pcapng_file_reads_every_frame) {
  char ng[320], cmd[800];
  snprintf(ng, sizeof(ng), "%s/big.pcapng", dir);
  const char *b = getenv("PCAPFLOW_BUILDDIR");
  snprintf(cmd, sizeof(cmd),
           "%s/pcapflow-gen --scenario mixed --packets 3000 --format pcapng "
           "--seed 7 --out %s",
           b && *b ? b : "build", ng);
  ck_assert_msg(system(cmd) == 0, "generator failed: %s", cmd);
  struct pf_source_config cfg = file_config(ng);
  char err[PF_ERR_MAX], perr[PCAP_ERRBUF_SIZE];
  struct pf_file_io io = {(void *)1, (void *)1};
  pcap_t *p = pf_handle_open(&cfg, -1, 0, &io, err, sizeof(err));
  ck_assert_msg(p != NULL, "%s", err);
  ck_assert_ptr_null(io.reader);
  ck_assert_ptr_nonnull(io.stdio_buf); /* the large buffer, not stdio's */
  pcap_t *plain = pcap_open_offline(ng, perr);
  ck_assert_msg(plain != NULL, "%s", perr);
  ck_assert_uint_eq(same_frames(p, plain), 3000);
  pf_handle_close(p, &io);
  pcap_close(plain);
  pf_source_config_free(&cfg);
  unlink(ng);
}
END_TEST

START_TEST(test_missing_file_says_what_libpcap_says) {
  char missing[320];
  snprintf(missing, sizeof(missing), "%s/none.pcap", dir);
  struct pf_source_config cfg = file_config(missing);
  char err_buf[PF_ERR_MAX], err_plain[PF_ERR_MAX];
  struct pf_file_io buf = {(void *)1, (void *)1};
  ck_assert_ptr_null(pf_handle_open(&cfg, -1, 0, &buf, err_buf, sizeof(err_buf)));
  ck_assert_ptr_null(buf.reader);
  ck_assert_ptr_null(buf.stdio_buf);
  ck_assert_ptr_null(
      pf_handle_open(&cfg, -1, 0, NULL, err_plain, sizeof(err_plain)));
  ck_assert_str_eq(err_buf, err_plain);
  char want[400];
  snprintf(want, sizeof(want),
           "cannot read capture file: %s: No such file or directory", missing);
  ck_assert_str_eq(err_buf, want);
  pf_source_config_free(&cfg);
}
END_TEST

/* "-" is standard input, as pcap_open_offline takes it: no file of that
 * name is opened, and stdio's own buffer is kept. */
START_TEST(test_dash_reads_standard_input) {
  ck_assert_ptr_nonnull(freopen(path, "rb", stdin));
  struct pf_source_config cfg = file_config("-");
  char err[PF_ERR_MAX], perr[PCAP_ERRBUF_SIZE];
  struct pf_file_io buf = {(void *)1, (void *)1};
  pcap_t *p = pf_handle_open(&cfg, -1, 0, &buf, err, sizeof(err));
  ck_assert_msg(p != NULL, "%s", err);
  ck_assert_ptr_null(buf.reader);
  ck_assert_ptr_null(buf.stdio_buf);
  pcap_t *plain = pcap_open_offline(path, perr);
  ck_assert_msg(plain != NULL, "%s", perr);
  ck_assert_uint_eq(same_frames(p, plain), N_FRAMES + 1);
  pf_handle_close(p, &buf); /* closes stdin */
  pcap_close(plain);
  pf_source_config_free(&cfg);
}
END_TEST

/* Open descriptors of this process. */
static unsigned open_fds(void) {
  unsigned n = 0;
  DIR *d = opendir("/proc/self/fd");
  ck_assert_ptr_nonnull(d);
  while (readdir(d))
    n++;
  closedir(d);
  return n;
}

static void write_bytes(const char *file, const void *data, size_t len) {
  FILE *f = fopen(file, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1, len, f), len);
  fclose(f);
}

/* Files fopen opens but that fail after it (pcap_fopen_offline refuses
 * them, or the source refuses their link type or filter): the message is
 * the plain open's, and the FILE is closed on the way out (a FILE left
 * open keeps its descriptor; neither ASan nor LSan would report it, as
 * glibc's list of streams still reaches it and its buffer). */
START_TEST(test_failed_opens_close_their_file) {
  char empty[320], user0[320];
  snprintf(empty, sizeof(empty), "%s/empty.pcap", dir);
  snprintf(user0, sizeof(user0), "%s/user0.pcap", dir);
  write_bytes(empty, "", 0);
  /* A classic pcap header (v2.4, snaplen 65535) of link type 147
   * (USER0), which the source does not decode. */
  static const uint8_t header[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2,   0, 4, 0,
                                     0,    0,    0,    0,    0,   0, 0, 0,
                                     0xff, 0xff, 0,    0,    147, 0, 0, 0};
  write_bytes(user0, header, sizeof(header));
  /* A classic header the reader takes to libpcap, which refuses its
   * version (2.7): the reader's own descriptor must be closed. */
  char v27[320];
  snprintf(v27, sizeof(v27), "%s/v27.pcap", dir);
  uint8_t header_v27[24];
  memcpy(header_v27, header, sizeof(header_v27));
  header_v27[6] = 7;  /* minor version */
  header_v27[20] = 1; /* EN10MB */
  write_bytes(v27, header_v27, sizeof(header_v27));
  const char *devices[] = {empty, dir, user0, path, v27};
  for (unsigned i = 0; i < 5; i++) {
    struct pf_source_config cfg = file_config(devices[i]);
    if (i == 3)
      cfg.filter = strdup("tcp port"); /* does not compile */
    char err_buf[PF_ERR_MAX], err_plain[PF_ERR_MAX];
    unsigned before = open_fds();
    for (int round = 0; round < 20; round++) {
      struct pf_file_io buf = {(void *)1, (void *)1};
      ck_assert_ptr_null(
          pf_handle_open(&cfg, -1, 0, &buf, err_buf, sizeof(err_buf)));
      ck_assert_ptr_null(buf.reader);
      ck_assert_ptr_null(buf.stdio_buf);
    }
    ck_assert_uint_eq(open_fds(), before);
    ck_assert_ptr_null(
        pf_handle_open(&cfg, -1, 0, NULL, err_plain, sizeof(err_plain)));
    ck_assert_str_eq(err_buf, err_plain);
    ck_assert_msg(strstr(err_buf, devices[i]) != NULL || i == 0 || i == 1 ||
                      i == 4,
                  "%s", err_buf);
    if (i == 4)
      ck_assert_msg(strstr(err_buf, "version 2.7") != NULL, "%s", err_buf);
    pf_source_config_free(&cfg);
  }
  unlink(empty);
  unlink(user0);
  unlink(v27);
}
END_TEST

Suite *pf_handle_file_suite(void) {
  Suite *s = suite_create("handle_file");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_classic_file_goes_to_the_reader);
  tcase_add_test(tc, test_pcapng_file_reads_every_frame);
  tcase_add_test(tc, test_missing_file_says_what_libpcap_says);
  tcase_add_test(tc, test_dash_reads_standard_input);
  tcase_add_test(tc, test_failed_opens_close_their_file);
  suite_add_tcase(s, tc);
  return s;
}
