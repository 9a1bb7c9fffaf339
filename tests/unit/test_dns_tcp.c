/* test_dns_tcp.c - framing DNS over TCP (src/app/dns_tcp.c) on dig's and
 * dnsmasq's real TCP messages: several in a segment, a length split over
 * two segments, a message over several, bytes the capture cut off, and
 * every split point of a two-message stream. */
#include <string.h>

#include <check.h>

#include "app/dns.h"
#include "app/dns_tcp.h"
#include "app_messages.h"
#include "suites.h"

/* dig's query and dnsmasq's answer, back to back, as one stream. */
static uint8_t stream[2 * APP_MESSAGE_MAX];
static uint32_t query_len, stream_len;

static void make_stream(void) {
  uint8_t b[APP_MESSAGE_MAX];
  query_len = (uint32_t)app_bytes(APP_DNS_TCP_QUERY, stream);
  uint32_t n = (uint32_t)app_bytes(APP_DNS_TCP_RESPONSE, b);
  memcpy(stream + query_len, b, n);
  stream_len = query_len + n;
}

static struct pf_dns_tcp_segment seg_of(uint32_t from, uint32_t to,
                                        uint32_t captured) {
  return (struct pf_dns_tcp_segment){
      .cap = pf_bytes_of(stream + from, captured), .wire_len = to - from};
}

/* Frames one segment; returns how many messages started in it, and
 * parses each whole one (its id into ids). */
static int frame(struct pf_dns_tcp *st, struct pf_dns_tcp_segment seg,
                 uint16_t *ids, int *whole, bool *lost) {
  struct pf_dns_tcp_msg m;
  int n = 0;
  while (pf_dns_tcp_next(st, &seg, &m, lost)) {
    struct pf_dns_msg msg;
    if (!m.split && !m.cut) {
      ck_assert_int_eq(pf_dns_parse(&m.bytes, &msg), PF_DNS_OK);
      ck_assert_uint_eq(msg.records_err, PF_DNS_OK);
      ids[(*whole)++] = msg.id;
    }
    n++;
  }
  return n;
}

START_TEST(test_two_messages_in_one_segment) {
  struct pf_dns_tcp st;
  uint16_t ids[4];
  int whole = 0;
  bool lost;
  make_stream();
  pf_dns_tcp_reset(&st);
  ck_assert_int_eq(
      frame(&st, seg_of(0, stream_len, stream_len), ids, &whole, &lost), 2);
  ck_assert_int_eq(whole, 2);
  ck_assert_uint_eq(ids[0], 0xdc43);
  ck_assert_uint_eq(ids[1], 0xdc43);
  ck_assert(!lost);
  ck_assert_uint_eq(st.phase, PF_DNS_TCP_LENGTH);
}
END_TEST

/* Every split point: both messages start somewhere, in order; each one
 * not split is parsed whole; the state ends where it began. */
START_TEST(test_every_split_point) {
  make_stream();
  for (uint32_t s = 0; s <= stream_len; s++) {
    struct pf_dns_tcp st;
    uint16_t ids[4];
    int whole = 0;
    bool lost;
    pf_dns_tcp_reset(&st);
    int n = frame(&st, seg_of(0, s, s), ids, &whole, &lost);
    n += frame(&st, seg_of(s, stream_len, stream_len - s), ids, &whole, &lost);
    ck_assert_msg(n == 2, "split at %u: %d messages", s, n);
    /* Whole: a message with its prefix, or its prefix alone, before. */
    int want_whole =
        (s <= 2 || s >= query_len) + (s <= query_len + 2 || s == stream_len);
    ck_assert_msg(whole == want_whole, "split at %u: %d whole", s, whole);
    ck_assert_uint_eq(st.phase, PF_DNS_TCP_LENGTH);
  }
}
END_TEST

/* The length's two bytes in two segments. */
START_TEST(test_length_split) {
  struct pf_dns_tcp st;
  struct pf_dns_tcp_msg m;
  bool lost;
  make_stream();
  pf_dns_tcp_reset(&st);
  struct pf_dns_tcp_segment a = seg_of(0, 1, 1), b = seg_of(1, query_len, 54);
  ck_assert(!pf_dns_tcp_next(&st, &a, &m, &lost));
  ck_assert_uint_eq(st.phase, PF_DNS_TCP_LENGTH_LOW);
  ck_assert(pf_dns_tcp_next(&st, &b, &m, &lost));
  ck_assert_uint_eq(m.len, 53);
  ck_assert_uint_eq(m.bytes.len, 53);
  ck_assert(!m.split && !m.cut);
}
END_TEST

/* The length prefix alone in a segment (a client that writes it apart):
 * the message is read whole from the next one. */
START_TEST(test_length_alone) {
  struct pf_dns_tcp st;
  struct pf_dns_tcp_msg m;
  bool lost;
  make_stream();
  pf_dns_tcp_reset(&st);
  struct pf_dns_tcp_segment a = seg_of(0, 2, 2), b = seg_of(2, query_len, 53);
  ck_assert(!pf_dns_tcp_next(&st, &a, &m, &lost));
  ck_assert_uint_eq(st.phase, PF_DNS_TCP_BODY_START);
  ck_assert(pf_dns_tcp_next(&st, &b, &m, &lost));
  ck_assert_uint_eq(m.len, 53);
  ck_assert_uint_eq(m.bytes.len, 53);
  ck_assert(!m.split && !m.cut);
  ck_assert_uint_eq(st.phase, PF_DNS_TCP_LENGTH);
}
END_TEST

/* A message over three segments: its first 28 bytes come in the first
 * (too few for the question: it does not parse), the rest is skipped. */
START_TEST(test_message_over_three_segments) {
  struct pf_dns_tcp st;
  struct pf_dns_tcp_msg m;
  struct pf_dns_msg msg;
  bool lost;
  make_stream();
  pf_dns_tcp_reset(&st);
  struct pf_dns_tcp_segment a = seg_of(0, 30, 30), b = seg_of(30, 40, 10),
                            c = seg_of(40, stream_len, stream_len - 40);
  ck_assert(pf_dns_tcp_next(&st, &a, &m, &lost));
  ck_assert(m.split && !m.cut);
  ck_assert_uint_eq(m.bytes.len, 28);
  ck_assert_int_eq(pf_dns_parse(&m.bytes, &msg), PF_DNS_E_TRUNCATED);
  ck_assert_uint_eq(st.skip, 25);
  ck_assert(!pf_dns_tcp_next(&st, &b, &m, &lost));
  ck_assert_uint_eq(st.skip, 15);
  ck_assert(pf_dns_tcp_next(&st, &c, &m, &lost)); /* the answer */
  ck_assert_uint_eq(m.len, 57);
  ck_assert(!m.split);
  ck_assert(!pf_dns_tcp_next(&st, &c, &m, &lost));
}
END_TEST

/* The capture keeps 20 bytes of a 114-byte segment: the first message is
 * cut; the second's length was not captured, so framing loses its step
 * and starts again with the next segment. */
START_TEST(test_cut_by_the_capture) {
  struct pf_dns_tcp st;
  struct pf_dns_tcp_msg m;
  bool lost;
  make_stream();
  pf_dns_tcp_reset(&st);
  struct pf_dns_tcp_segment a = seg_of(0, stream_len, 20);
  ck_assert(pf_dns_tcp_next(&st, &a, &m, &lost));
  ck_assert(m.cut && !m.split);
  ck_assert_uint_eq(m.len, 53);
  ck_assert_uint_eq(m.bytes.len, 18);
  ck_assert(!pf_dns_tcp_next(&st, &a, &m, &lost));
  ck_assert(lost);
  ck_assert_uint_eq(st.phase, PF_DNS_TCP_LENGTH);
  struct pf_dns_tcp_segment b = seg_of(0, query_len, query_len);
  ck_assert(pf_dns_tcp_next(&st, &b, &m, &lost));
  ck_assert(!lost && !m.cut);
}
END_TEST

/* Zero-length messages take their two bytes each and end. */
START_TEST(test_zero_length_messages) {
  static const uint8_t zeros[6] = {0};
  struct pf_dns_tcp st;
  struct pf_dns_tcp_msg m;
  struct pf_dns_msg msg;
  bool lost;
  int n = 0;
  pf_dns_tcp_reset(&st);
  struct pf_dns_tcp_segment a = {.cap = pf_bytes_of(zeros, 6), .wire_len = 6};
  while (pf_dns_tcp_next(&st, &a, &m, &lost)) {
    ck_assert_uint_eq(m.len, 0);
    ck_assert_int_eq(pf_dns_parse(&m.bytes, &msg), PF_DNS_E_SHORT);
    n++;
  }
  ck_assert_int_eq(n, 3);
}
END_TEST

Suite *pf_dns_tcp_suite(void) {
  Suite *s = suite_create("dns_tcp");
  TCase *tc = tcase_create("framing");
  tcase_add_test(tc, test_two_messages_in_one_segment);
  tcase_add_test(tc, test_every_split_point);
  tcase_add_test(tc, test_length_split);
  tcase_add_test(tc, test_length_alone);
  tcase_add_test(tc, test_message_over_three_segments);
  tcase_add_test(tc, test_cut_by_the_capture);
  tcase_add_test(tc, test_zero_length_messages);
  suite_add_tcase(s, tc);
  return s;
}
