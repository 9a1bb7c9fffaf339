/* test_shard_tls.c - TLS on the shard's per-packet path (src/shard/tls.c):
 * the rig's real hellos counted by the version offered and selected, the
 * client's server name interned and kept by its flow (the first name
 * wins, the frame never read once handed back), the flow's bytes under
 * its name in the interval's top list, partial and malformed hellos
 * counted, segments that only look like TLS left alone, a full name table
 * reported as `other`, versions alone without TCP analysis, and nothing at
 * all with TlsAnalysis off. */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <pcap/dlt.h>

#include "app_messages.h"
#include "flow_packets.h"
#include "shard/shard.h"
#include "suites.h"

static struct pf_shard s;

static void init_timing(bool analysis, bool tcp, uint32_t names, bool timing) {
  struct pf_shard_config cfg = test_shard_config(64, 16, tcp);
  cfg.tcp_timing = timing;
  cfg.tls = (struct pf_tls_config){.analysis = analysis, .names = names};
  test_shard_start(&s, &cfg);
}

static void init(bool analysis, bool tcp, uint32_t names) {
  init_timing(analysis, tcp, names, false);
}

static void teardown(void) { pf_shard_free(&s); }

/* One Ethernet frame between the client (port `cport`) and the server
 * (443) carrying the first `keep` bytes (0: all) of the message given in
 * hex. Queued and its buffer freed at once, so that the accounting that
 * follows must not read it. Returns its wire length. */
static uint32_t send_seg(const char *hex, bool to_server, uint16_t cport,
                         size_t keep, uint64_t ts) {
  uint8_t msg[APP_MESSAGE_MAX];
  size_t n = hex ? app_bytes(hex, msg) : 0;
  if (keep)
    n = keep;
  struct frame f;
  frame_conversation(&f, to_server, true, cport, 443, 0);
  frame_bytes(&f, msg, (uint32_t)n);
  frame_finish(&f);
  return shard_frame(&s, &f, f.len,
                     (struct shard_hand){.dir = PF_DIR_RX,
                                         .locality = PF_LOCALITY_UNKNOWN,
                                         .ts = ts,
                                         .queue = true})
      .wire_len;
}

/* The interval's top server names after every flow was fed. */
static uint32_t top_names(const struct pf_topn_item **items, uint32_t max) {
  pf_shard_drain(&s);
  pf_shard_settle(&s);
  return pf_topn_top(&s.cur->tls_names, items, max);
}

static void expect_name(const struct pf_topn_item *item, const char *name,
                        uint64_t bytes) {
  struct pf_tls_name_key key;
  memcpy(&key, item->key, sizeof(key));
  ck_assert_uint_eq(key.len, strlen(name));
  ck_assert(memcmp(key.text, name, key.len) == 0);
  ck_assert_uint_eq(item->bytes[0] + item->bytes[1], bytes);
}

START_TEST(hellos_counted_and_the_flow_named) {
  init(true, true, 8);
  uint32_t bytes = send_seg(APP_TLS_CLIENT_HELLO_13, true, 40000, 0, SEC(1));
  bytes += send_seg(APP_TLS_SERVER_HELLO_13, false, 40000, 0, SEC(1) + 500);
  bytes += send_seg("170303001000", true, 40000, 0, SEC(2)); /* app data */
  const struct pf_tls_stats *st = &s.tls.stats;
  pf_shard_drain(&s);
  ck_assert_uint_eq(st->offered[4], 1); /* TLS 1.3 */
  ck_assert_uint_eq(st->selected[4], 1);
  ck_assert_uint_eq(st->partial, 0);
  ck_assert_uint_eq(s.tls.names.used, 1);
  const struct pf_topn_item *top[4];
  ck_assert_uint_eq(top_names(top, 4), 1);
  expect_name(top[0], "alpha.svc.test", bytes);
}
END_TEST

START_TEST(versions_of_every_client) {
  init(true, true, 8);
  send_seg(APP_TLS_CLIENT_HELLO_12, true, 40001, 0, SEC(1));
  send_seg(APP_TLS_SERVER_HELLO_12, false, 40001, 0, SEC(1));
  send_seg(APP_TLS_CLIENT_HELLO_ANY, true, 40002, 0, SEC(1));
  send_seg(APP_TLS_CLIENT_HELLO_CURL, true, 40003, 0, SEC(1));
  pf_shard_drain(&s);
  const struct pf_tls_stats *st = &s.tls.stats;
  ck_assert_uint_eq(st->offered[3], 1); /* 1.2 alone: its legacy version */
  ck_assert_uint_eq(st->offered[4], 2); /* 1.3 highest of 1.3 .. 1.0 */
  ck_assert_uint_eq(st->selected[3], 1);
  ck_assert_uint_eq(s.tls.names.used, 2); /* beta, epsilon, beta again */
  const struct pf_topn_item *top[4];
  ck_assert_uint_eq(top_names(top, 4), 2);
}
END_TEST

START_TEST(the_first_name_wins) {
  init(true, true, 8);
  uint32_t bytes = send_seg(APP_TLS_CLIENT_HELLO_13, true, 40000, 0, SEC(1));
  /* A second hello on the same flow (renegotiation): counted, not kept. */
  bytes += send_seg(APP_TLS_CLIENT_HELLO_12, true, 40000, 0, SEC(2));
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.tls.stats.offered[3] + s.tls.stats.offered[4], 2);
  const struct pf_topn_item *top[4];
  ck_assert_uint_eq(top_names(top, 4), 1);
  expect_name(top[0], "alpha.svc.test", bytes);
}
END_TEST

/* With TcpTiming the records are 64 bytes (the timing state after each):
 * every flow's name is read from its own record, not from a 32-byte
 * stride that lands in another record's timing state. */
START_TEST(names_kept_in_timing_records) {
  init_timing(true, true, 8, true);
  ck_assert_uint_eq(s.flows.tcp.rec_shift, 6);
  uint32_t alpha = send_seg(APP_TLS_CLIENT_HELLO_13, true, 40001, 0, SEC(1));
  uint32_t beta = send_seg(APP_TLS_CLIENT_HELLO_12, true, 40002, 0, SEC(1));
  beta += send_seg(APP_TLS_SERVER_HELLO_12, false, 40002, 0, SEC(1) + 500);
  uint32_t epsilon = send_seg(APP_TLS_CLIENT_HELLO_ANY, true, 40003, 0, SEC(1));
  const struct pf_topn_item *top[4];
  ck_assert_uint_eq(top_names(top, 4), 3);
  /* The sizes tell them apart: the top list is by bytes. */
  ck_assert(beta > alpha && beta > epsilon && alpha != epsilon);
  expect_name(top[0], "beta.svc.test", beta);
  if (alpha > epsilon) {
    expect_name(top[1], "alpha.svc.test", alpha);
    expect_name(top[2], "epsilon.svc.test", epsilon);
  } else {
    expect_name(top[1], "epsilon.svc.test", epsilon);
    expect_name(top[2], "alpha.svc.test", alpha);
  }
}
END_TEST

START_TEST(partial_and_malformed_hellos) {
  init(true, true, 8);
  /* Cut after the server name (the first extension), before
   * supported_versions, and no more of it before the file ends (held
   * until then: tls_resume.c): the name is kept, the version is not
   * believed. */
  send_seg(APP_TLS_CLIENT_HELLO_13, true, 40000, 140, SEC(1));
  /* A handshake record of length 0. */
  send_seg("160301000001", true, 40001, 0, SEC(1));
  /* A ClientHello whose session id claims 40 bytes. */
  send_seg("16030100300100002c0303"
           "00000000000000000000000000000000"
           "00000000000000000000000000000000"
           "28",
           true, 40002, 0, SEC(1));
  pf_shard_drain(&s);
  const struct pf_tls_stats *st = &s.tls.stats;
  ck_assert_uint_eq(st->partial, 0);
  pf_shard_expire_all(&s, SEC(1));
  ck_assert_uint_eq(st->partial, 1);
  ck_assert_uint_eq(st->lost[PF_TLS_LOST_GAP], 1);
  for (int v = 0; v < PF_TLS_VERSION_SLOTS; v++)
    ck_assert_uint_eq(st->offered[v], 0);
  ck_assert_uint_eq(st->malformed[PF_TLS_E_RECORD], 1);
  ck_assert_uint_eq(st->malformed[PF_TLS_E_SESSION_ID], 1);
  ck_assert_uint_eq(s.tls.names.used, 1);
}
END_TEST

START_TEST(segments_that_are_not_hellos) {
  init(true, true, 8);
  send_seg("170303001000", true, 40000, 0, SEC(1));       /* application data */
  send_seg("160303000004", true, 40000, 0, SEC(1));       /* too short: 5 + 1 */
  send_seg("16030300040b000000", true, 40000, 0, SEC(1)); /* Certificate */
  send_seg("474554202f20485454", true, 40000, 0, SEC(1)); /* "GET / HTT" */
  send_seg(NULL, true, 40000, 0, SEC(1));                 /* no payload */
  pf_shard_drain(&s);
  struct pf_tls_stats zero = {0};
  ck_assert(memcmp(&s.tls.stats, &zero, sizeof(zero)) == 0);
  const struct pf_topn_item *top[4];
  ck_assert_uint_eq(top_names(top, 4), 0);
  ck_assert_uint_eq(s.cur->tls_names.total[0] + s.cur->tls_names.total[1], 0);
}
END_TEST

START_TEST(a_full_table_is_other) {
  init(true, true, 1);
  uint32_t a = send_seg(APP_TLS_CLIENT_HELLO_13, true, 40000, 0, SEC(1));
  uint32_t b = send_seg(APP_TLS_CLIENT_HELLO_12, true, 40001, 0, SEC(1));
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.tls.names.used, 1);
  ck_assert_uint_eq(s.tls.names.full, 1);
  const struct pf_topn_item *top[4];
  ck_assert_uint_eq(top_names(top, 4), 2);
  /* alpha by name; beta's bytes under the empty key, never named. */
  for (int i = 0; i < 2; i++)
    expect_name(top[i], top[i]->key[0] ? "alpha.svc.test" : "",
                top[i]->key[0] ? a : b);
}
END_TEST

START_TEST(versions_alone_without_tcp_analysis) {
  init(true, false, 8);
  send_seg(APP_TLS_CLIENT_HELLO_13, true, 40000, 0, SEC(1));
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.tls.stats.offered[4], 1);
  ck_assert(!s.tls.top);
  ck_assert_ptr_null(s.tls.names.slot);
  const struct pf_topn_item *top[4];
  ck_assert_uint_eq(top_names(top, 4), 0);
}
END_TEST

START_TEST(nothing_with_the_analysis_off) {
  init(false, true, 8);
  send_seg(APP_TLS_CLIENT_HELLO_13, true, 40000, 0, SEC(1));
  send_seg(APP_TLS_SERVER_HELLO_13, false, 40000, 0, SEC(1));
  pf_shard_drain(&s);
  struct pf_tls_stats zero = {0};
  ck_assert(memcmp(&s.tls.stats, &zero, sizeof(zero)) == 0);
  ck_assert_ptr_null(s.tls.names.slot);
  ck_assert_ptr_null(s.tls.names.names);
  const struct pf_topn_item *top[4];
  ck_assert_uint_eq(top_names(top, 4), 0);
}
END_TEST

Suite *pf_shard_tls_suite(void) {
  Suite *su = suite_create("shard_tls");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, hellos_counted_and_the_flow_named);
  tcase_add_test(tc, versions_of_every_client);
  tcase_add_test(tc, the_first_name_wins);
  tcase_add_test(tc, names_kept_in_timing_records);
  tcase_add_test(tc, partial_and_malformed_hellos);
  tcase_add_test(tc, segments_that_are_not_hellos);
  tcase_add_test(tc, a_full_table_is_other);
  tcase_add_test(tc, versions_alone_without_tcp_analysis);
  tcase_add_test(tc, nothing_with_the_analysis_off);
  suite_add_tcase(su, tc);
  return su;
}
