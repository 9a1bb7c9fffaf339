/* test_dns_hostile.c - the DNS parser on messages built to hurt it:
 * compression loops, pointers to themselves, forward and into the header,
 * chains of pointers, names over 255 bytes, labels over 63, lengths and
 * counts past the end, odd bytes in names, an extended rcode. */
#include <string.h>

#include <check.h>

#include "app/dns.h"
#include "suites.h"

/* A message under construction: a header, then whatever a test adds. */
struct m {
  uint8_t b[2048];
  uint32_t n;
};

static void m_header(struct m *m, uint16_t flags, uint16_t qd, uint16_t an,
                     uint16_t ar) {
  uint8_t h[12] = {0x12, 0x34,        (uint8_t)(flags >> 8), (uint8_t)flags,
                   0,    (uint8_t)qd, (uint8_t)(an >> 8),    (uint8_t)an,
                   0,    0,           (uint8_t)(ar >> 8),    (uint8_t)ar};
  memcpy(m->b, h, sizeof(h));
  m->n = sizeof(h);
}

static void m_put(struct m *m, const void *p, uint32_t n) {
  ck_assert_uint_le(m->n + n, sizeof(m->b));
  memcpy(m->b + m->n, p, n);
  m->n += n;
}

static void m_byte(struct m *m, uint8_t v) { m_put(m, &v, 1); }

static void m_u16(struct m *m, uint16_t v) {
  m_byte(m, (uint8_t)(v >> 8));
  m_byte(m, (uint8_t)v);
}

/* A question's type and class after its name: A, IN. */
static void m_type_class(struct m *m) {
  m_u16(m, 1);
  m_u16(m, 1);
}

/* A label of n copies of c. */
static void m_label(struct m *m, uint8_t n, char c) {
  m_byte(m, n);
  for (uint8_t i = 0; i < n; i++)
    m_byte(m, (uint8_t)c);
}

static void m_pointer(struct m *m, uint16_t to) { m_u16(m, 0xc000 | to); }

static enum pf_dns_err name_at(const struct m *m, uint32_t off,
                               struct pf_dns_name *name, uint32_t *next) {
  struct pf_bytes b = pf_bytes_of(m->b, m->n);
  return pf_dns_read_name(&b, off, name, next);
}

static enum pf_dns_err parse(const struct m *m, struct pf_dns_msg *out) {
  struct pf_bytes b = pf_bytes_of(m->b, m->n);
  return pf_dns_parse(&b, out);
}

/* www.example.com at 12, mail + pointer at 29, x + pointer at 35. */
START_TEST(test_pointers_to_earlier_names) {
  struct m m;
  struct pf_dns_name name;
  uint32_t next;
  m_header(&m, 0, 1, 0, 0);
  m_put(&m, "\3www\7example\3com\0", 17);
  m_put(&m, "\4mail", 5);
  m_pointer(&m, 16); /* example.com */
  m_put(&m, "\1x", 2);
  m_pointer(&m, 29); /* mail.example.com */
  ck_assert_int_eq(name_at(&m, 29, &name, &next), PF_DNS_OK);
  ck_assert_str_eq(name.text, "mail.example.com");
  ck_assert_uint_eq(next, 36);
  ck_assert_int_eq(name_at(&m, 36, &name, &next), PF_DNS_OK);
  ck_assert_str_eq(name.text, "x.mail.example.com");
  ck_assert_uint_eq(name.labels, 4);
  ck_assert_uint_eq(next, 40);
}
END_TEST

START_TEST(test_pointer_to_itself) {
  struct m m;
  struct pf_dns_msg msg;
  m_header(&m, 0, 1, 0, 0);
  m_pointer(&m, 12);
  m_type_class(&m);
  ck_assert_int_eq(parse(&m, &msg), PF_DNS_E_POINTER);
}
END_TEST

START_TEST(test_pointer_forward) {
  struct m m;
  struct pf_dns_msg msg;
  m_header(&m, 0, 1, 0, 0);
  m_pointer(&m, 18); /* to the name after the question */
  m_type_class(&m);
  m_put(&m, "\3www\0", 5);
  ck_assert_int_eq(parse(&m, &msg), PF_DNS_E_POINTER);
}
END_TEST

START_TEST(test_pointer_into_the_header) {
  struct m m;
  struct pf_dns_name name;
  uint32_t next;
  m_header(&m, 0, 1, 0, 0);
  m_put(&m, "\1a\0", 3);
  m_pointer(&m, 4); /* 4 < 12 */
  ck_assert_int_eq(name_at(&m, 15, &name, &next), PF_DNS_E_POINTER);
}
END_TEST

/* A label, then a pointer back to the label: the classic loop. And two
 * names pointing at each other. */
START_TEST(test_compression_loops) {
  struct m m;
  struct pf_dns_name name;
  uint32_t next;
  m_header(&m, 0, 0, 0, 0);
  m_put(&m, "\1a\0", 3); /* 12..14 */
  m_put(&m, "\1b", 2);   /* 15 */
  m_pointer(&m, 15);     /* 17: back to its own first label */
  m_pointer(&m, 21);     /* 19: to 21 ... */
  m_pointer(&m, 19);     /* 21: ... and back to 19 */
  ck_assert_int_eq(name_at(&m, 15, &name, &next), PF_DNS_E_POINTER);
  ck_assert_int_eq(name_at(&m, 19, &name, &next), PF_DNS_E_POINTER);
  ck_assert_int_eq(name_at(&m, 21, &name, &next), PF_DNS_E_POINTER);
}
END_TEST

/* "a" at 12, then pointers each to the one before: the 16th is followed,
 * the 17th is one too many. */
START_TEST(test_pointer_chain_bounded) {
  struct m m;
  struct pf_dns_name name;
  uint32_t next;
  m_header(&m, 0, 0, 0, 0);
  m_put(&m, "\1a\0", 3);
  m_pointer(&m, 12);
  for (uint16_t i = 1; i <= PF_DNS_POINTER_HOPS; i++)
    m_pointer(&m, (uint16_t)(15 + 2 * (i - 1)));
  uint32_t last16 = 15 + 2 * (PF_DNS_POINTER_HOPS - 1);
  ck_assert_int_eq(name_at(&m, last16, &name, &next), PF_DNS_OK);
  ck_assert_str_eq(name.text, "a");
  ck_assert_uint_eq(next, last16 + 2);
  ck_assert_int_eq(name_at(&m, last16 + 2, &name, &next),
                   PF_DNS_E_POINTER_HOPS);
}
END_TEST

/* 3 x 63 + 61: 255 bytes with the length bytes and the root, the longest
 * name there is (253 characters); one byte more is refused. */
START_TEST(test_name_of_255_and_256_bytes) {
  struct m m;
  struct pf_dns_msg msg;
  for (int over = 0; over <= 1; over++) {
    m_header(&m, 0, 1, 0, 0);
    for (int i = 0; i < 3; i++)
      m_label(&m, 63, 'a');
    m_label(&m, (uint8_t)(61 + over), 'b');
    m_byte(&m, 0);
    m_type_class(&m);
    if (!over) {
      ck_assert_int_eq(parse(&m, &msg), PF_DNS_OK);
      ck_assert_uint_eq(msg.qname.len, PF_DNS_NAME_TEXT_MAX);
      ck_assert_uint_eq(msg.qname.labels, 4);
    } else {
      ck_assert_int_eq(parse(&m, &msg), PF_DNS_E_NAME_LONG);
    }
  }
}
END_TEST

/* Over 255 only through a pointer: 64 + 193 + the root. */
START_TEST(test_name_long_through_a_pointer) {
  struct m m;
  struct pf_dns_name name;
  uint32_t next;
  m_header(&m, 0, 0, 0, 0);
  for (int i = 0; i < 3; i++)
    m_label(&m, 63, 'a');
  m_byte(&m, 0);
  uint32_t at = m.n;
  m_label(&m, 63, 'c');
  m_pointer(&m, 12);
  ck_assert_int_eq(name_at(&m, 12, &name, &next), PF_DNS_OK);
  ck_assert_int_eq(name_at(&m, at, &name, &next), PF_DNS_E_NAME_LONG);
}
END_TEST

START_TEST(test_label_over_63_and_reserved_types) {
  static const uint8_t bad[] = {64, 0x40 | 1, 0x80, 0xbf};
  for (size_t i = 0; i < sizeof(bad); i++) {
    struct m m;
    struct pf_dns_msg msg;
    m_header(&m, 0, 1, 0, 0);
    m_label(&m, bad[i], 'x');
    m_byte(&m, 0);
    m_type_class(&m);
    ck_assert_int_eq(parse(&m, &msg), PF_DNS_E_LABEL);
  }
}
END_TEST

START_TEST(test_lengths_past_the_end) {
  struct m m;
  struct pf_dns_msg msg;
  m_header(&m, 0, 1, 0, 0);
  m_put(&m, "\12short", 6); /* a label of 10, 5 bytes there */
  ck_assert_int_eq(parse(&m, &msg), PF_DNS_E_TRUNCATED);
  m_header(&m, 0, 1, 0, 0);
  m_put(&m, "\1a\0\0", 4); /* qtype cut */
  ck_assert_int_eq(parse(&m, &msg), PF_DNS_E_TRUNCATED);
  m_header(&m, 0, 1, 0, 0);
  m_byte(&m, 0xc0); /* half a pointer */
  ck_assert_int_eq(parse(&m, &msg), PF_DNS_E_TRUNCATED);
}
END_TEST

/* Counts that promise 65,535 records where none follow: the message reads,
 * the walk stops at the end and says so. */
START_TEST(test_counts_past_the_end) {
  struct m m;
  struct pf_dns_msg msg;
  m_header(&m, 0x8000, 1, 0xffff, 0xffff);
  m_put(&m, "\1a\0", 3);
  m_type_class(&m);
  ck_assert_int_eq(parse(&m, &msg), PF_DNS_OK);
  ck_assert_uint_eq(msg.ancount, 0xffff);
  ck_assert_uint_eq(msg.records_err, PF_DNS_E_TRUNCATED);
  ck_assert_uint_eq(msg.edns, PF_DNS_EDNS_UNREAD);
  /* A record whose data length runs past the end. */
  m_header(&m, 0x8000, 1, 1, 0);
  m_put(&m, "\1a\0", 3);
  m_type_class(&m);
  m_pointer(&m, 12);
  m_put(&m, "\0\1\0\1\0\0\0\0\0\10", 10); /* rdlength 8 */
  m_put(&m, "\1\2\3\4", 4);
  ck_assert_int_eq(parse(&m, &msg), PF_DNS_OK);
  ck_assert_uint_eq(msg.records_err, PF_DNS_E_TRUNCATED);
}
END_TEST

START_TEST(test_no_question) {
  struct m m;
  struct pf_dns_msg msg;
  m_header(&m, 0x8000 | (4 << 11), 0, 0, 0); /* a NOTIFY answer */
  ck_assert_int_eq(parse(&m, &msg), PF_DNS_OK);
  ck_assert(!msg.has_question);
  ck_assert_uint_eq(msg.opcode, 4);
  ck_assert_uint_eq(msg.edns, PF_DNS_EDNS_NONE);
  ck_assert_uint_eq(msg.qname.len, 0);
}
END_TEST

/* Upper case folds; a dot, a space and a NUL inside a label become '?'
 * and the name is no host name; the root is "". */
START_TEST(test_odd_bytes_in_names) {
  struct m m;
  struct pf_dns_name name;
  uint32_t next;
  m_header(&m, 0, 0, 0, 0);
  m_put(&m, "\3WwW\3a.b\3c d\2\0e\0", 16);
  ck_assert_int_eq(name_at(&m, 12, &name, &next), PF_DNS_OK);
  ck_assert_str_eq(name.text, "www.a?b.c?d.?e");
  ck_assert_uint_eq(name.len, 14);
  ck_assert(!name.hostname);
  m_put(&m, "\3_x-\0", 5);
  ck_assert_int_eq(name_at(&m, 28, &name, &next), PF_DNS_OK);
  ck_assert_str_eq(name.text, "_x-");
  ck_assert(name.hostname);
  ck_assert_int_eq(name_at(&m, 27, &name, &next), PF_DNS_OK);
  ck_assert_str_eq(name.text, "");
  ck_assert_uint_eq(name.labels, 0);
  ck_assert_uint_eq(next, 28);
}
END_TEST

/* BADVERS (16): the OPT record's upper 8 bits (1) over the header's 0. */
START_TEST(test_extended_rcode) {
  struct m m;
  struct pf_dns_msg msg;
  m_header(&m, 0x8000, 1, 0, 1);
  m_put(&m, "\1a\0", 3);
  m_type_class(&m);
  m_put(&m, "\0\0\51\4\320\1\0\0\0\0\0", 11); /* OPT, 1232, ext 1, v0 */
  ck_assert_int_eq(parse(&m, &msg), PF_DNS_OK);
  ck_assert_uint_eq(msg.edns, PF_DNS_EDNS_OPT);
  ck_assert_uint_eq(msg.rcode, 0);
  ck_assert_uint_eq(msg.ext_rcode, 16);
  ck_assert_uint_eq(msg.edns_udp_size, 1232);
  /* The OPT type under another owner than the root is no OPT record. */
  m_header(&m, 0x8000, 1, 0, 1);
  m_put(&m, "\1a\0", 3);
  m_type_class(&m);
  m_pointer(&m, 12);
  m_put(&m, "\0\51\4\320\1\0\0\0\0\0", 10);
  ck_assert_int_eq(parse(&m, &msg), PF_DNS_OK);
  ck_assert_uint_eq(msg.edns, PF_DNS_EDNS_NONE);
  ck_assert_uint_eq(msg.ext_rcode, 0);
  ck_assert_uint_eq(msg.records_err, PF_DNS_OK);
}
END_TEST

Suite *pf_dns_hostile_suite(void) {
  Suite *s = suite_create("dns_hostile");
  TCase *tc = tcase_create("compression");
  tcase_add_test(tc, test_pointers_to_earlier_names);
  tcase_add_test(tc, test_pointer_to_itself);
  tcase_add_test(tc, test_pointer_forward);
  tcase_add_test(tc, test_pointer_into_the_header);
  tcase_add_test(tc, test_compression_loops);
  tcase_add_test(tc, test_pointer_chain_bounded);
  suite_add_tcase(s, tc);
  tc = tcase_create("bounds");
  tcase_add_test(tc, test_name_of_255_and_256_bytes);
  tcase_add_test(tc, test_name_long_through_a_pointer);
  tcase_add_test(tc, test_label_over_63_and_reserved_types);
  tcase_add_test(tc, test_lengths_past_the_end);
  tcase_add_test(tc, test_counts_past_the_end);
  tcase_add_test(tc, test_no_question);
  tcase_add_test(tc, test_odd_bytes_in_names);
  tcase_add_test(tc, test_extended_rcode);
  suite_add_tcase(s, tc);
  return s;
}
