/* test_tls.c - the TLS hello parser (src/app/tls.c) on real hellos of
 * openssl s_client, s_server and curl: every field as tshark reads it, and
 * every hello cut at every byte and split over two records. */
#include <string.h>

#include <check.h>

#include "app/tls.h"
#include "app_messages.h"
#include "suites.h"

static struct pf_tls_hello h;
static uint8_t buf[APP_MESSAGE_MAX];

static size_t parse(const char *hex, enum pf_tls_result want) {
  size_t n = app_bytes(hex, buf);
  struct pf_bytes b = pf_bytes_of(buf, (uint32_t)n);
  ck_assert_int_eq(pf_tls_parse_hello(&b, &h), want);
  return n;
}

#define V13_TO_10 (PF_TLS_V_13 | PF_TLS_V_12 | PF_TLS_V_11 | PF_TLS_V_10)

/* What tshark reads of each client's hello. */
START_TEST(test_client_hellos) {
  static const struct {
    const char *hex, *sni;
    uint16_t version;
    uint8_t offered, sid;
    uint16_t suites, extensions;
    bool has_versions;
  } cases[] = {
      {APP_TLS_CLIENT_HELLO_13, "alpha.svc.test", 0x0304, PF_TLS_V_13, 32, 4,
       10, true},
      {APP_TLS_CLIENT_HELLO_12, "beta.svc.test", 0x0303, PF_TLS_V_12, 0, 28, 7,
       false},
      {APP_TLS_CLIENT_HELLO_ANY, "epsilon.svc.test", 0x0304, V13_TO_10, 32, 31,
       10, true},
      {APP_TLS_CLIENT_HELLO_CURL, "beta.svc.test", 0x0304, V13_TO_10, 32, 31,
       12, true},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    parse(cases[i].hex, PF_TLS_OK);
    ck_assert_uint_eq(h.type, 1);
    ck_assert_uint_eq(h.record_version, 0x0301);
    ck_assert_uint_eq(h.legacy_version, 0x0303);
    ck_assert_uint_eq(h.version, cases[i].version);
    ck_assert_uint_eq(h.offered, cases[i].offered);
    ck_assert_uint_eq(h.has_versions, cases[i].has_versions);
    ck_assert_uint_eq(h.session_id_len, cases[i].sid);
    ck_assert_uint_eq(h.cipher_suites, cases[i].suites);
    ck_assert_uint_eq(h.extensions, cases[i].extensions);
    ck_assert(h.has_sni && h.sni_hostname);
    ck_assert_str_eq(h.sni, cases[i].sni);
    ck_assert_uint_eq(h.sni_len, strlen(cases[i].sni));
    ck_assert(!h.split_records);
  }
}
END_TEST

START_TEST(test_server_hellos) {
  parse(APP_TLS_SERVER_HELLO_13, PF_TLS_OK);
  ck_assert_uint_eq(h.type, 2);
  ck_assert_uint_eq(h.record_version, 0x0303);
  ck_assert_uint_eq(h.legacy_version, 0x0303);
  ck_assert_uint_eq(h.version, 0x0304);
  ck_assert(h.has_versions);
  ck_assert_uint_eq(h.cipher, 0x1302);
  ck_assert_uint_eq(h.session_id_len, 32);
  ck_assert_uint_eq(h.extensions, 2);
  ck_assert(!h.hello_retry && !h.has_sni);
  /* 1.2: Certificate and the rest follow in the same record. */
  size_t n = parse(APP_TLS_SERVER_HELLO_12, PF_TLS_OK);
  ck_assert_uint_eq(n, 603);
  ck_assert_uint_eq(h.version, 0x0303);
  ck_assert(!h.has_versions);
  ck_assert_uint_eq(h.cipher, 0xc02c);
  ck_assert_uint_eq(h.extensions, 4);
}
END_TEST

/* Cut at every byte, a hello is partial, never malformed, and what it
 * says it read is what the whole hello says. */
static void check_every_cut(const char *hex) {
  uint8_t whole[APP_MESSAGE_MAX];
  struct pf_tls_hello full;
  size_t n = app_bytes(hex, whole);
  struct pf_bytes b = pf_bytes_of(whole, (uint32_t)n);
  ck_assert_int_eq(pf_tls_parse_hello(&b, &full), PF_TLS_OK);
  for (uint32_t k = 0; k < n; k++) {
    b = pf_bytes_of(whole, k);
    enum pf_tls_result r = pf_tls_parse_hello(&b, &h);
    if (r == PF_TLS_OK) { /* only a ServerHello 1.2 with more behind it */
      ck_assert_uint_eq(full.type, 2);
      continue;
    }
    ck_assert_msg(r == PF_TLS_PARTIAL, "cut at %u: %s", k,
                  pf_tls_result_name(r));
    ck_assert(!h.split_records);
    ck_assert_uint_le(h.extensions, full.extensions);
    if (h.has_sni)
      ck_assert_str_eq(h.sni, full.sni);
    if (h.has_versions)
      ck_assert_uint_eq(h.version, full.version);
  }
}

START_TEST(test_cut_at_every_byte) {
  check_every_cut(APP_TLS_CLIENT_HELLO_13);
  check_every_cut(APP_TLS_CLIENT_HELLO_12);
  check_every_cut(APP_TLS_CLIENT_HELLO_ANY);
  check_every_cut(APP_TLS_CLIENT_HELLO_CURL);
  check_every_cut(APP_TLS_SERVER_HELLO_13);
  check_every_cut(APP_TLS_SERVER_HELLO_12);
}
END_TEST

/* curl's hello (512 bytes of handshake) in two records, the first ending
 * after k bytes of it: read as far as the first record goes (not into the
 * second's header), and said to be split. */
START_TEST(test_split_over_two_records) {
  uint8_t whole[APP_MESSAGE_MAX], two[APP_MESSAGE_MAX + 5];
  size_t n = app_bytes(APP_TLS_CLIENT_HELLO_CURL, whole);
  uint32_t hs = (uint32_t)n - 5;
  for (uint32_t k = 1; k < hs; k += 7) {
    memcpy(two, whole, 5 + k);
    two[3] = (uint8_t)(k >> 8), two[4] = (uint8_t)k;
    memcpy(two + 5 + k, whole, 5); /* the second record's header */
    two[5 + k + 3] = (uint8_t)((hs - k) >> 8),
                two[5 + k + 4] = (uint8_t)(hs - k);
    memcpy(two + 10 + k, whole + 5 + k, hs - k);
    struct pf_bytes b = pf_bytes_of(two, (uint32_t)n + 5);
    ck_assert_int_eq(pf_tls_parse_hello(&b, &h), PF_TLS_PARTIAL);
    ck_assert_msg(h.split_records, "split at %u", k);
    /* The server name is the first extension: handshake bytes 139..160. */
    ck_assert_msg(h.has_sni == (k >= 161), "split at %u", k);
    ck_assert(!h.has_sni || strcmp(h.sni, "beta.svc.test") == 0);
  }
}
END_TEST

START_TEST(test_result_names) {
  ck_assert_str_eq(pf_tls_result_name(PF_TLS_OK), "ok");
  ck_assert_str_eq(pf_tls_result_name(PF_TLS_PARTIAL), "partial");
  ck_assert_str_eq(pf_tls_result_name(PF_TLS_E_SNI), "sni");
  for (int r = 0; r < PF_TLS_RESULT_COUNT; r++)
    ck_assert_ptr_nonnull(pf_tls_result_name((enum pf_tls_result)r));
  ck_assert_ptr_null(
      pf_tls_result_name((enum pf_tls_result)PF_TLS_RESULT_COUNT));
}
END_TEST

Suite *pf_tls_suite(void) {
  Suite *s = suite_create("tls");
  TCase *tc = tcase_create("real hellos");
  tcase_add_test(tc, test_client_hellos);
  tcase_add_test(tc, test_server_hellos);
  tcase_add_test(tc, test_cut_at_every_byte);
  tcase_add_test(tc, test_split_over_two_records);
  tcase_add_test(tc, test_result_names);
  suite_add_tcase(s, tc);
  return s;
}
