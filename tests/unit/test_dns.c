/* test_dns.c - the DNS parser (src/app/dns.c) on real messages of dig,
 * kdig and dnsmasq: every field as tshark reads it, and every message cut
 * at every byte. */
#include <check.h>

#include "app/dns.h"
#include "app_messages.h"
#include "suites.h"

static struct pf_dns_msg msg;
static uint8_t buf[APP_MESSAGE_MAX];

/* Parses a captured message; returns its length. */
static size_t parse(const char *hex, enum pf_dns_err want) {
  size_t n = app_bytes(hex, buf);
  struct pf_bytes b = pf_bytes_of(buf, (uint32_t)n);
  ck_assert_int_eq(pf_dns_parse(&b, &msg), want);
  return n;
}

START_TEST(test_query_a) {
  parse(APP_DNS_QUERY_A, PF_DNS_OK);
  ck_assert_uint_eq(msg.len, 53);
  ck_assert_uint_eq(msg.id, 0xe67f);
  ck_assert_uint_eq(msg.flags, PF_DNS_F_RD | PF_DNS_F_AD);
  ck_assert_uint_eq(msg.opcode, 0);
  ck_assert_uint_eq(msg.rcode, 0);
  ck_assert_uint_eq(msg.qdcount, 1);
  ck_assert_uint_eq(msg.ancount, 0);
  ck_assert_uint_eq(msg.nscount, 0);
  ck_assert_uint_eq(msg.arcount, 1);
  ck_assert(msg.has_question);
  ck_assert_str_eq(msg.qname.text, "www.svc.test");
  ck_assert_uint_eq(msg.qname.len, 12);
  ck_assert_uint_eq(msg.qname.labels, 3);
  ck_assert(msg.qname.hostname);
  ck_assert_uint_eq(msg.qtype, 1);
  ck_assert_uint_eq(msg.qclass, 1);
  ck_assert_uint_eq(msg.edns, PF_DNS_EDNS_OPT);
  ck_assert_uint_eq(msg.edns_udp_size, 1232);
  ck_assert_uint_eq(msg.edns_version, 0);
  ck_assert_uint_eq(msg.records_err, PF_DNS_OK);
}
END_TEST

START_TEST(test_response_a) {
  parse(APP_DNS_RESPONSE_A, PF_DNS_OK);
  ck_assert_uint_eq(msg.id, 0xe67f);
  ck_assert_uint_eq(msg.flags,
                    PF_DNS_F_QR | PF_DNS_F_AA | PF_DNS_F_RD | PF_DNS_F_RA);
  ck_assert_uint_eq(msg.rcode, 0);
  ck_assert_uint_eq(msg.ext_rcode, 0);
  ck_assert_uint_eq(msg.ancount, 1);
  ck_assert_str_eq(msg.qname.text, "www.svc.test");
  ck_assert_uint_eq(msg.qtype, 1);
  ck_assert_uint_eq(msg.edns, PF_DNS_EDNS_OPT);
  ck_assert_uint_eq(msg.records_err, PF_DNS_OK);
}
END_TEST

/* rcode, qtype and name of each response, as tshark reads them. */
START_TEST(test_responses_as_tshark_reads_them) {
  static const struct {
    const char *hex;
    uint16_t id;
    uint8_t rcode;
    uint16_t qtype, ancount, arcount;
    const char *qname;
  } cases[] = {
      {APP_DNS_RESPONSE_MX, 0x9a9b, 0, 15, 1, 2, "svc.test"},
      {APP_DNS_RESPONSE_SRV, 0x8553, 0, 33, 1, 3, "_http._tcp.svc.test"},
      {APP_DNS_RESPONSE_NXDOMAIN, 0x6459, 3, 1, 0, 1, "missing.svc.test"},
      {APP_DNS_RESPONSE_REFUSED, 0x057d, 5, 1, 0, 1, "example.org"},
      {APP_DNS_RESPONSE_PTR, 0xbf55, 0, 12, 1, 1, "10.7.18.198.in-addr.arpa"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    parse(cases[i].hex, PF_DNS_OK);
    ck_assert_uint_eq(msg.id, cases[i].id);
    ck_assert(msg.flags & PF_DNS_F_QR);
    ck_assert_uint_eq(msg.rcode, cases[i].rcode);
    ck_assert_uint_eq(msg.ext_rcode, cases[i].rcode);
    ck_assert_uint_eq(msg.qtype, cases[i].qtype);
    ck_assert_uint_eq(msg.ancount, cases[i].ancount);
    ck_assert_uint_eq(msg.arcount, cases[i].arcount);
    ck_assert_str_eq(msg.qname.text, cases[i].qname);
    ck_assert_uint_eq(msg.edns, PF_DNS_EDNS_OPT);
    ck_assert_uint_eq(msg.edns_udp_size, 1232);
    ck_assert_uint_eq(msg.records_err, PF_DNS_OK);
  }
}
END_TEST

START_TEST(test_query_without_edns) {
  parse(APP_DNS_QUERY_NO_EDNS, PF_DNS_OK);
  ck_assert_uint_eq(msg.len, 31);
  ck_assert_uint_eq(msg.id, 0x0ad5);
  ck_assert_str_eq(msg.qname.text, "mail.svc.test");
  ck_assert_uint_eq(msg.arcount, 0);
  ck_assert_uint_eq(msg.edns, PF_DNS_EDNS_NONE);
  ck_assert_uint_eq(msg.records_err, PF_DNS_OK);
}
END_TEST

/* Cut at every byte: the header needs 12, the question (name and 4 bytes)
 * must be whole; past it the message still reads, and the records' walk
 * says truncated. */
static void check_every_cut(const char *hex, uint32_t question_end) {
  uint8_t whole[APP_MESSAGE_MAX];
  struct pf_dns_msg full;
  size_t n = app_bytes(hex, whole);
  struct pf_bytes b = pf_bytes_of(whole, (uint32_t)n);
  ck_assert_int_eq(pf_dns_parse(&b, &full), PF_DNS_OK);
  ck_assert_uint_eq(full.records_err, PF_DNS_OK);
  for (uint32_t k = 0; k < n; k++) {
    b = pf_bytes_of(whole, k);
    enum pf_dns_err want = k < PF_DNS_HEADER_LEN ? PF_DNS_E_SHORT
                           : k < question_end    ? PF_DNS_E_TRUNCATED
                                                 : PF_DNS_OK;
    ck_assert_msg(pf_dns_parse(&b, &msg) == want, "cut at %u", k);
    if (want != PF_DNS_OK)
      continue;
    ck_assert_uint_eq(msg.records_err, PF_DNS_E_TRUNCATED);
    ck_assert_uint_eq(msg.edns, PF_DNS_EDNS_UNREAD);
    ck_assert_uint_eq(msg.qtype, full.qtype);
    ck_assert_str_eq(msg.qname.text, full.qname.text);
  }
}

START_TEST(test_cut_at_every_byte) {
  check_every_cut(APP_DNS_QUERY_A, 12 + 14 + 4);
  check_every_cut(APP_DNS_RESPONSE_A, 12 + 14 + 4);
  check_every_cut(APP_DNS_RESPONSE_MX, 12 + 10 + 4);
  check_every_cut(APP_DNS_RESPONSE_SRV, 12 + 21 + 4);
  check_every_cut(APP_DNS_RESPONSE_NXDOMAIN, 12 + 18 + 4);
  check_every_cut(APP_DNS_RESPONSE_REFUSED, 12 + 13 + 4);
  check_every_cut(APP_DNS_RESPONSE_PTR, 12 + 26 + 4);
}
END_TEST

/* The TCP messages are the same as the UDP ones behind their prefix. */
START_TEST(test_tcp_message_behind_its_prefix) {
  size_t n = app_bytes(APP_DNS_TCP_RESPONSE, buf);
  ck_assert_uint_eq(n, 59);
  ck_assert_uint_eq((uint32_t)buf[0] << 8 | buf[1], 57);
  struct pf_bytes b = pf_bytes_of(buf + 2, 57);
  ck_assert_int_eq(pf_dns_parse(&b, &msg), PF_DNS_OK);
  ck_assert_uint_eq(msg.id, 0xdc43);
  ck_assert_str_eq(msg.qname.text, "www.svc.test");
  ck_assert_uint_eq(msg.records_err, PF_DNS_OK);
}
END_TEST

START_TEST(test_err_names) {
  ck_assert_str_eq(pf_dns_err_name(PF_DNS_OK), "ok");
  ck_assert_str_eq(pf_dns_err_name(PF_DNS_E_TRUNCATED), "truncated");
  ck_assert_str_eq(pf_dns_err_name(PF_DNS_E_POINTER_HOPS), "pointer_hops");
  for (int e = 0; e < PF_DNS_ERR_COUNT; e++)
    ck_assert_ptr_nonnull(pf_dns_err_name((enum pf_dns_err)e));
  ck_assert_ptr_null(pf_dns_err_name((enum pf_dns_err)PF_DNS_ERR_COUNT));
}
END_TEST

Suite *pf_dns_suite(void) {
  Suite *s = suite_create("dns");
  TCase *tc = tcase_create("real messages");
  tcase_add_test(tc, test_query_a);
  tcase_add_test(tc, test_response_a);
  tcase_add_test(tc, test_responses_as_tshark_reads_them);
  tcase_add_test(tc, test_query_without_edns);
  tcase_add_test(tc, test_cut_at_every_byte);
  tcase_add_test(tc, test_tcp_message_behind_its_prefix);
  tcase_add_test(tc, test_err_names);
  suite_add_tcase(s, tc);
  return s;
}
