/* test_shard_dns.c - DNS on the shard's per-packet path (src/shard/dns.c):
 * the rig's real messages over UDP and TCP counted by type, opcode and
 * rcode, responses matched to their queries by flow and id with the
 * latency of their timestamps, the frame never read once handed back
 * (queued packets), malformed payloads counted, the registered domain in
 * the interval's top list, DNS on the DnsPorts listed and on no other,
 * a response or a held start's rest after DnsTimeout not used even with no
 * batch end between, and nothing at all with DnsAnalysis off. */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <pcap/dlt.h>

#include "app_messages.h"
#include "flow_packets.h"
#include "pcapflow/source.h"
#include "shard/shard.h"
#include "suites.h"

static struct pf_shard s;
static uint16_t srv_port = 53; /* the server's port in send_msg */

/* With DnsPorts: the n ports given. */
static void init_ports(bool analysis, const uint16_t *ports, unsigned n) {
  struct pf_shard_config cfg = {.max_flows = 64,
                                .timeouts = test_timeouts,
                                .top_capacity = 16,
                                .host_prefix_v4 = 32,
                                .host_prefix_v6 = 128,
                                .tcp_analysis = true,
                                .tcp_syn_timeout_s = 3,
                                .dns = {.analysis = analysis,
                                        .latency = true,
                                        .top_domains = true,
                                        .timeout_s = 5,
                                        .pending = 16,
                                        .n_ports = (uint8_t)n}};
  memcpy(cfg.dns.ports, ports, n * sizeof(*ports));
  test_shard_start(&s, &cfg);
  srv_port = ports[0];
}

static void init(bool analysis) {
  init_ports(analysis, (const uint16_t[]){PF_DEFAULT_DNS_PORT}, 1);
}

static void teardown(void) { pf_shard_free(&s); }

/* One Ethernet frame from the client (port 40000) to the server (53), or
 * back, carrying the payload given; over TCP with flags PSH|ACK and
 * sequence number seq (0: the frame builder's). Queued
 * (pf_shard_enqueue) and its buffer freed at once, so that the accounting
 * that follows must not read it. */
static void send_bytes(const uint8_t *payload, uint32_t n, bool to_server,
                       bool tcp, uint32_t seq, uint64_t ts) {
  struct frame f;
  frame_conversation(&f, to_server, tcp, 40000, srv_port, seq);
  frame_bytes(&f, payload, n);
  frame_finish(&f);
  shard_frame(&s, &f, f.len,
              (struct shard_hand){.dir = PF_DIR_RX,
                                  .locality = PF_LOCALITY_UNKNOWN,
                                  .ts = ts,
                                  .queue = true});
}

/* The same with the message given in hex. */
static void send_msg(const char *hex, bool to_server, bool tcp, uint64_t ts) {
  uint8_t msg[APP_MESSAGE_MAX];
  size_t n = app_bytes(hex, msg);
  send_bytes(msg, (uint32_t)n, to_server, tcp, 0, ts);
}

START_TEST(udp_query_and_response) {
  init(true);
  send_msg(APP_DNS_QUERY_A, true, false, SEC(100));
  send_msg(APP_DNS_RESPONSE_A, false, false, SEC(100) + 700);
  pf_shard_batch_end(&s);
  const struct pf_dns_stats *st = &s.dns.stats;
  ck_assert_uint_eq(st->messages[0], 1);
  ck_assert_uint_eq(st->messages[1], 1);
  ck_assert_uint_eq(st->octets[0], 53);
  ck_assert_uint_eq(st->octets[1], 57);
  ck_assert_uint_eq(st->qtype[1], 1); /* A */
  ck_assert_uint_eq(st->opcode[0], 2);
  ck_assert_uint_eq(st->rcode[0], 1);
  ck_assert_uint_eq(pf_hist_samples(&s.cur->dns_latency), 1);
  ck_assert_uint_eq(s.cur->dns_latency.max_us, 700);
  ck_assert_uint_eq(s.dns.pending.unmatched, 0);
  /* The registered domain of www.svc.test, once. */
  pf_shard_settle(&s);
  const struct pf_topn_item *top[2];
  ck_assert_uint_eq(pf_topn_top(&s.cur->dns_domains, top, 2), 1);
  struct pf_dns_domain_key key;
  memcpy(&key, top[0]->key, sizeof(key));
  ck_assert_uint_eq(key.len, 8);
  ck_assert(memcmp(key.text, "svc.test", 8) == 0);
  ck_assert_uint_eq(top[0]->bytes[0], 1);
}
END_TEST

START_TEST(tcp_query_and_response) {
  init(true);
  send_msg(APP_DNS_TCP_QUERY, true, true, SEC(100));
  send_msg(APP_DNS_TCP_RESPONSE, false, true, SEC(100) + 1234);
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.dns.stats.messages[0], 1);
  ck_assert_uint_eq(s.dns.stats.messages[1], 1);
  ck_assert_uint_eq(s.dns.stats.octets[0], 53); /* without the prefix */
  ck_assert_uint_eq(s.dns.stats.tcp_unframed, 0);
  ck_assert_uint_eq(s.cur->dns_latency.max_us, 1234);
}
END_TEST

START_TEST(an_answer_on_another_flow_is_unmatched) {
  init(true);
  send_msg(APP_DNS_QUERY_A, true, false, SEC(100));
  send_msg(APP_DNS_TCP_RESPONSE, false, true, SEC(100) + 700); /* TCP */
  pf_shard_drain(&s);
  ck_assert_uint_eq(pf_hist_samples(&s.cur->dns_latency), 0);
  ck_assert_uint_eq(s.dns.pending.unmatched, 1);
  /* ... and the query times out by the shard's clock. */
  send_msg(APP_DNS_QUERY_NO_EDNS, true, false, SEC(106));
  pf_shard_batch_end(&s);
  ck_assert_uint_eq(s.dns.pending.unanswered, 1);
}
END_TEST

START_TEST(malformed_payloads_are_counted) {
  init(true);
  send_msg("0102030405", true, false, SEC(1)); /* 5 bytes */
  /* A header, then a label length of 0x50 in the question. */
  send_msg("00010000000100000000000050616263000001000001", true, false, SEC(2));
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.dns.stats.malformed[PF_DNS_E_SHORT], 1);
  ck_assert_uint_eq(s.dns.stats.malformed[PF_DNS_E_LABEL], 1);
  ck_assert_uint_eq(s.dns.stats.messages[0] + s.dns.stats.messages[1], 0);
  ck_assert_uint_eq(s.dns.pending.head, s.dns.pending.tail);
}
END_TEST

START_TEST(nothing_with_the_analysis_off) {
  init(false);
  send_msg(APP_DNS_QUERY_A, true, false, SEC(100));
  send_msg(APP_DNS_RESPONSE_A, false, false, SEC(100) + 700);
  pf_shard_batch_end(&s);
  pf_shard_settle(&s);
  ck_assert_uint_eq(s.dns.stats.messages[0] + s.dns.stats.messages[1], 0);
  ck_assert_uint_eq(pf_hist_samples(&s.cur->dns_latency), 0);
  ck_assert_uint_eq(s.cur->dns_domains.total[0], 0);
  ck_assert_ptr_null(s.dns.pending.ring);
}
END_TEST

/* Framing across segments: a query whose header is split between two
 * segments is read from both (it was counted unframed, not read, before),
 * and the next segment's query is found after its rest. Framed from each
 * segment's first byte, the second segment would be read as garbage and
 * the third lost with it. */
START_TEST(framing_goes_on_across_segments) {
  init(true);
  uint8_t q[APP_MESSAGE_MAX], seg[3 * APP_MESSAGE_MAX];
  uint32_t n = (uint32_t)app_bytes(APP_DNS_QUERY_A, q), len = 0;
  for (int i = 0; i < 2; i++) {
    seg[len++] = 0;
    seg[len++] = (uint8_t)n;
    memcpy(seg + len, q, n);
    len += n;
  }
  uint32_t first = len - n + 6; /* the second query's first 6 bytes */
  send_bytes(seg, first, true, true, 5000, SEC(1));
  send_bytes(seg + first, len - first, true, true, 5000 + first, SEC(1) + 10);
  send_bytes(seg, n + 2, true, true, 5000 + len, SEC(1) + 20);
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.dns.stats.messages[0], 3);
  ck_assert_uint_eq(s.dns.stats.tcp_unframed, 0);
  ck_assert_uint_eq(s.dns.held.held, 0);
  for (int e = 0; e < PF_DNS_ERR_COUNT; e++)
    ck_assert_uint_eq(s.dns.stats.malformed[e], 0);
  ck_assert_uint_eq(s.dns.framing.evicted, 0);
}
END_TEST

/* A query and its answer over TCP, each with its length prefix, split at
 * every byte into two segments and at a stride into three: each read and
 * matched as in one segment (a split after 3 or more bytes of the prefix
 * and message, before the question's end, was counted unframed and not
 * read before). One connection, each exchange after the last. */
static void send_split(const uint8_t *m, uint32_t n, const uint32_t *cuts,
                       unsigned k, bool to_server, uint64_t ts) {
  uint32_t at = 0;
  for (unsigned i = 0; i <= k; i++) {
    uint32_t end = i < k ? cuts[i] : n;
    if (end > at)
      send_bytes(m + at, end - at, to_server, true, 7000 + at, ts);
    at = end;
  }
}

static void expect_all_read(uint64_t n) {
  pf_shard_drain(&s);
  const struct pf_dns_stats *st = &s.dns.stats;
  ck_assert_uint_eq(st->messages[0], n);
  ck_assert_uint_eq(st->messages[1], n);
  ck_assert_uint_eq(st->qtype[1], n);
  ck_assert_uint_eq(st->tcp_unframed, 0);
  for (int e = 0; e < PF_DNS_ERR_COUNT; e++)
    ck_assert_uint_eq(st->malformed[e], 0);
  ck_assert_uint_eq(pf_hist_samples(&s.cur->dns_latency), n);
  ck_assert_uint_eq(s.dns.pending.unmatched, 0);
  ck_assert_uint_eq(s.dns.held.held, 0);
}

START_TEST(every_split_of_a_tcp_exchange) {
  init(true);
  uint8_t q[APP_MESSAGE_MAX], r[APP_MESSAGE_MAX];
  uint32_t qn = (uint32_t)app_bytes(APP_DNS_TCP_QUERY, q);
  uint32_t rn = (uint32_t)app_bytes(APP_DNS_TCP_RESPONSE, r);
  uint64_t n = 0;
  for (uint32_t cut = 1; cut < qn && cut < rn; cut++, n++) {
    send_split(q, qn, &cut, 1, true, SEC(1) + n * 10);
    send_split(r, rn, &cut, 1, false, SEC(1) + n * 10 + 5);
  }
  expect_all_read(n);
}
END_TEST

START_TEST(three_segments_of_a_tcp_exchange) {
  init(true);
  uint8_t q[APP_MESSAGE_MAX], r[APP_MESSAGE_MAX];
  uint32_t qn = (uint32_t)app_bytes(APP_DNS_TCP_QUERY, q);
  uint32_t rn = (uint32_t)app_bytes(APP_DNS_TCP_RESPONSE, r);
  uint64_t n = 0;
  for (uint32_t a = 1; a < qn; a += 3)
    for (uint32_t b = a + 1; b < qn && b < rn; b += 5, n++) {
      uint32_t cuts[2] = {a, b};
      send_split(q, qn, cuts, 2, true, SEC(1) + n * 10);
      send_split(r, rn, cuts, 2, false, SEC(1) + n * 10 + 5);
    }
  expect_all_read(n);
}
END_TEST

/* A held start whose rest does not come next (a gap), comes too late
 * (DnsTimeout), or never (the end of a file): each counted unframed once,
 * none malformed, nothing left held. The segment after the gap does not
 * start a message either (its "length" is 0): unframed too, as before. */
START_TEST(a_held_start_without_its_rest) {
  init(true);
  uint8_t q[APP_MESSAGE_MAX];
  uint32_t n = (uint32_t)app_bytes(APP_DNS_TCP_QUERY, q);
  send_bytes(q, 8, true, true, 7000, SEC(1));
  send_bytes(q + 9, n - 9, true, true, 7009, SEC(1)); /* a byte missed */
  ck_assert_uint_eq(s.dns.stats.tcp_unframed, 2);
  send_bytes(q, 8, true, true, 9000, SEC(2));
  pf_shard_expire(&s, SEC(2) + SEC(5) - 1, 100);
  ck_assert_uint_eq(s.dns.held.held, 1);
  pf_shard_expire(&s, SEC(2) + SEC(5), 100);
  ck_assert_uint_eq(s.dns.held.held, 0);
  ck_assert_uint_eq(s.dns.stats.tcp_unframed, 3);
  send_bytes(q, 8, true, true, 11000, SEC(10));
  pf_shard_expire_all(&s, SEC(10));
  const struct pf_dns_stats *st = &s.dns.stats;
  ck_assert_uint_eq(st->tcp_unframed, 4);
  ck_assert_uint_eq(st->messages[0] + st->messages[1], 0);
  for (int e = 0; e < PF_DNS_ERR_COUNT; e++)
    ck_assert_uint_eq(st->malformed[e], 0);
  ck_assert_uint_eq(s.dns.held.held, 0);
}
END_TEST

/* A held start that does not parse once its rest came: malformed when
 * framing put it there (after a message), unframed when it was a guess
 * (a connection's first segment seen), and then the segment is framed from
 * its first byte (where no message starts: unframed again, as before). */
START_TEST(a_held_start_that_does_not_parse) {
  init(true);
  uint8_t q[APP_MESSAGE_MAX], seg[2 * APP_MESSAGE_MAX];
  uint32_t n = (uint32_t)app_bytes(APP_DNS_TCP_QUERY, q);
  memcpy(seg, q, n);
  memcpy(seg + n, q, n);
  seg[n + 2 + 12] = 0x50; /* the second query's first label: 80 bytes */
  send_bytes(seg, n + 10, true, true, 7000, SEC(1));
  send_bytes(seg + n + 10, n - 10, true, true, 7000 + n + 10, SEC(1));
  ck_assert_uint_eq(s.dns.stats.messages[0], 1);
  ck_assert_uint_eq(s.dns.stats.malformed[PF_DNS_E_LABEL], 1);
  ck_assert_uint_eq(s.dns.stats.tcp_unframed, 0);
  /* A guess: the first segment seen holds that query's start. */
  send_bytes(seg + n, 10, false, true, 3000, SEC(2));
  send_bytes(seg + n + 10, n - 10, false, true, 3010, SEC(2));
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.dns.stats.malformed[PF_DNS_E_LABEL], 1);
  ck_assert_uint_eq(s.dns.stats.tcp_unframed, 2);
  ck_assert_uint_eq(s.dns.held.held, 0);
}
END_TEST

/* A client that writes the length prefix apart (its own segment): the
 * query is read whole from the next segment, not counted unframed. */
START_TEST(a_length_alone_in_its_segment) {
  init(true);
  uint8_t q[APP_MESSAGE_MAX];
  uint32_t n = (uint32_t)app_bytes(APP_DNS_TCP_QUERY, q);
  send_bytes(q, 2, true, true, 5000, SEC(1));
  send_bytes(q + 2, n - 2, true, true, 5002, SEC(1) + 10);
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.dns.stats.messages[0], 1);
  ck_assert_uint_eq(s.dns.stats.tcp_unframed, 0);
  for (int e = 0; e < PF_DNS_ERR_COUNT; e++)
    ck_assert_uint_eq(s.dns.stats.malformed[e], 0);
}
END_TEST

/* A response after DnsTimeout, with no batch end between (a sparse file):
 * its query counted unanswered (once: the tick after does not count it
 * again) and the response unmatched, no sample. The boundary is the
 * tick's: 5 s after the query is late, 5 s less 1 us a sample. */
START_TEST(a_late_response_is_not_an_answer) {
  init(true);
  send_msg(APP_DNS_QUERY_A, true, false, SEC(100));
  send_msg(APP_DNS_RESPONSE_A, false, false, SEC(110));
  send_msg(APP_DNS_QUERY_A, true, false, SEC(120));
  send_msg(APP_DNS_RESPONSE_A, false, false, SEC(125));
  send_msg(APP_DNS_QUERY_A, true, false, SEC(130));
  send_msg(APP_DNS_RESPONSE_A, false, false, SEC(135) - 1);
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.dns.stats.messages[1], 3);
  ck_assert_uint_eq(s.dns.pending.unanswered, 2);
  ck_assert_uint_eq(s.dns.pending.unmatched, 2);
  ck_assert_uint_eq(pf_hist_samples(&s.cur->dns_latency), 1);
  ck_assert_uint_eq(s.cur->dns_latency.max_us, SEC(5) - 1);
  pf_shard_batch_end(&s);
  pf_shard_expire_all(&s, SEC(200));
  ck_assert_uint_eq(s.dns.pending.unanswered, 2);
  ck_assert_uint_eq(s.dns.pending.head, s.dns.pending.tail);
}
END_TEST

/* A query asked again after DnsTimeout: the first copy is unanswered, the
 * retry waits anew, and its answer's sample is from the retry. */
START_TEST(a_retry_after_the_timeout_is_a_new_query) {
  init(true);
  send_msg(APP_DNS_QUERY_A, true, false, SEC(100));
  send_msg(APP_DNS_QUERY_A, true, false, SEC(106));
  send_msg(APP_DNS_RESPONSE_A, false, false, SEC(107));
  pf_shard_batch_end(&s);
  ck_assert_uint_eq(s.dns.pending.unanswered, 1);
  ck_assert_uint_eq(s.dns.pending.unmatched, 0);
  ck_assert_uint_eq(pf_hist_samples(&s.cur->dns_latency), 1);
  ck_assert_uint_eq(s.cur->dns_latency.max_us, SEC(1));
}
END_TEST

/* A held message start whose rest comes DnsTimeout after its segment,
 * with no batch end between: given up (unframed) as the tick would, not
 * read; the same rest 1 us sooner is read. */
START_TEST(a_held_start_whose_rest_comes_late) {
  init(true);
  uint8_t q[APP_MESSAGE_MAX];
  uint32_t n = (uint32_t)app_bytes(APP_DNS_TCP_QUERY, q);
  send_bytes(q, 8, true, true, 7000, SEC(1));
  send_bytes(q + 8, n - 8, true, true, 7008, SEC(6));
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.dns.stats.tcp_unframed, 1);
  ck_assert_uint_eq(s.dns.stats.messages[0], 0);
  ck_assert_uint_eq(s.dns.held.held, 0);
  send_bytes(q, 8, true, true, 9000, SEC(10));
  send_bytes(q + 8, n - 8, true, true, 9008, SEC(15) - 1);
  pf_shard_batch_end(&s);
  ck_assert_uint_eq(s.dns.stats.tcp_unframed, 1);
  ck_assert_uint_eq(s.dns.stats.messages[0], 1);
  for (int e = 0; e < PF_DNS_ERR_COUNT; e++)
    ck_assert_uint_eq(s.dns.stats.malformed[e], 0);
}
END_TEST

/* DnsPorts: DNS on the ports listed, and only there. 117 and 53 share
 * the port filter's bit (both 53 modulo 64): the list decides. */
START_TEST(dns_on_the_ports_listed_only) {
  init_ports(true, (const uint16_t[]){5353, 117}, 2);
  send_msg(APP_DNS_QUERY_A, true, false, SEC(100)); /* to 5353 */
  send_msg(APP_DNS_RESPONSE_A, false, false, SEC(100) + 700);
  srv_port = 117;
  send_msg(APP_DNS_TCP_QUERY, true, true, SEC(101));
  srv_port = 53; /* not listed: not DNS, whatever it carries */
  send_msg(APP_DNS_QUERY_A, true, false, SEC(102));
  send_msg(APP_DNS_TCP_QUERY, true, true, SEC(103));
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.dns.stats.messages[0], 2);
  ck_assert_uint_eq(s.dns.stats.messages[1], 1);
  ck_assert_uint_eq(pf_hist_samples(&s.cur->dns_latency), 1);
  ck_assert_uint_eq(s.cur->dns_latency.max_us, 700);
}
END_TEST

START_TEST(dns_ports_are_checked) {
  struct pf_dns_config dns = {.ports = {53}, .n_ports = 1};
  char err[PF_ERR_MAX];
  uint32_t ports[PF_MAX_DNS_PORTS + 1];
  for (unsigned i = 0; i < PF_MAX_DNS_PORTS + 1; i++)
    ports[i] = 1000 + i;
  ck_assert_int_eq(
      pf_dns_ports_set(&dns, ports, PF_MAX_DNS_PORTS + 1, err, sizeof(err)),
      -1);
  ck_assert_str_eq(err, "DnsPorts: 17 ports given, expected 1 to 16");
  ck_assert_int_eq(pf_dns_ports_set(&dns, ports, 0, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "DnsPorts: 0 ports given, expected 1 to 16");
  ck_assert_int_eq(
      pf_dns_ports_set(&dns, (uint32_t[]){53, 65536}, 2, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "DnsPorts: 65536 is not a port number (1 to 65535)");
  ck_assert_int_eq(pf_dns_ports_set(&dns, (uint32_t[]){0}, 1, err, sizeof(err)),
                   -1);
  ck_assert_str_eq(err, "DnsPorts: 0 is not a port number (1 to 65535)");
  ck_assert_int_eq(
      pf_dns_ports_set(&dns, (uint32_t[]){53, 5353, 53}, 3, err, sizeof(err)),
      -1);
  ck_assert_str_eq(err, "DnsPorts: 53 is given twice");
  /* Refused lists leave the ports as they were. */
  ck_assert_uint_eq(dns.n_ports, 1);
  ck_assert_uint_eq(dns.ports[0], 53);
  ck_assert_int_eq(
      pf_dns_ports_set(&dns, ports, PF_MAX_DNS_PORTS, err, sizeof(err)), 0);
  ck_assert_uint_eq(dns.n_ports, PF_MAX_DNS_PORTS);
  ck_assert_uint_eq(dns.ports[15], 1015);
}
END_TEST

Suite *pf_shard_dns_suite(void) {
  Suite *su = suite_create("shard_dns");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, udp_query_and_response);
  tcase_add_test(tc, tcp_query_and_response);
  tcase_add_test(tc, an_answer_on_another_flow_is_unmatched);
  tcase_add_test(tc, malformed_payloads_are_counted);
  tcase_add_test(tc, nothing_with_the_analysis_off);
  tcase_add_test(tc, framing_goes_on_across_segments);
  tcase_add_test(tc, a_length_alone_in_its_segment);
  tcase_add_test(tc, every_split_of_a_tcp_exchange);
  tcase_add_test(tc, three_segments_of_a_tcp_exchange);
  tcase_add_test(tc, a_held_start_without_its_rest);
  tcase_add_test(tc, a_held_start_that_does_not_parse);
  tcase_add_test(tc, a_late_response_is_not_an_answer);
  tcase_add_test(tc, a_retry_after_the_timeout_is_a_new_query);
  tcase_add_test(tc, a_held_start_whose_rest_comes_late);
  tcase_add_test(tc, dns_on_the_ports_listed_only);
  tcase_add_test(tc, dns_ports_are_checked);
  suite_add_tcase(su, tc);
  return su;
}
