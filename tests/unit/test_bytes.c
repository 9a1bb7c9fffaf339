/* test_bytes.c - the checked reader (base/bytes.h): every getter reads
 * exactly the bytes inside its window and nothing else, at offsets and
 * lengths up to UINT32_MAX where a 32-bit sum would wrap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "base/bytes.h"
#include "packet/wire.h"
#include "suites.h"

/* A window over exactly n bytes of the heap, so that AddressSanitizer
 * catches a read one past it. The bytes are 0x10, 0x11, 0x12, … */
static struct pf_bytes heap_window(uint32_t n, uint8_t **buf) {
  *buf = malloc(n ? n : 1);
  ck_assert_ptr_nonnull(*buf);
  for (uint32_t i = 0; i < n; i++)
    (*buf)[i] = (uint8_t)(0x10 + i);
  return pf_bytes_of(*buf, n);
}

/* Every getter at (off, n) succeeds exactly when want says. */
static void expect_reads(const struct pf_bytes *b, uint32_t off, bool want) {
  uint8_t u8 = 0xee;
  uint16_t u16 = 0xeeee;
  uint32_t u32 = 0xeeeeeeee;
  ck_assert_int_eq(pf_get_u8(b, off, &u8), pf_bytes_has(b, off, 1) && want);
  ck_assert_int_eq(pf_get_u16(b, off, &u16), pf_bytes_has(b, off, 2) && want);
  ck_assert_int_eq(pf_get_u32(b, off, &u32), pf_bytes_has(b, off, 4) && want);
}

/* ---- the bound ---- */

START_TEST(test_has_exact_fit_and_one_past) {
  uint8_t *buf;
  struct pf_bytes b = heap_window(8, &buf);
  ck_assert(pf_bytes_has(&b, 0, 8));  /* exact fit */
  ck_assert(!pf_bytes_has(&b, 0, 9)); /* one past */
  ck_assert(pf_bytes_has(&b, 7, 1));
  ck_assert(!pf_bytes_has(&b, 7, 2));
  ck_assert(!pf_bytes_has(&b, 8, 1));
  free(buf);
}
END_TEST

START_TEST(test_zero_length) {
  uint8_t *buf;
  struct pf_bytes b = heap_window(8, &buf);
  /* Nothing asked for is inside anywhere up to the end, not past it. */
  ck_assert(pf_bytes_has(&b, 0, 0));
  ck_assert(pf_bytes_has(&b, 8, 0));
  ck_assert(!pf_bytes_has(&b, 9, 0));
  ck_assert(!pf_bytes_has(&b, UINT32_MAX, 0));
  const uint8_t *p = NULL;
  ck_assert(pf_get_span(&b, 8, 0, &p));
  ck_assert_ptr_eq(p, buf + 8);

  free(buf);

  struct pf_bytes empty = heap_window(0, &buf);
  ck_assert(pf_bytes_has(&empty, 0, 0));
  ck_assert(!pf_bytes_has(&empty, 0, 1));
  expect_reads(&empty, 0, false);
  free(buf);
}
END_TEST

/* Offsets and lengths whose 32-bit sums wrap to something small. */
START_TEST(test_wrapping_sums_refused) {
  uint8_t *buf;
  struct pf_bytes b = heap_window(8, &buf);
  static const uint32_t offs[] = {UINT32_MAX, UINT32_MAX - 1, UINT32_MAX - 3,
                                  UINT32_MAX - 7, 0x80000000u};
  for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
    ck_assert(!pf_bytes_has(&b, offs[i], 8));
    ck_assert(!pf_bytes_has(&b, offs[i], 4));
    expect_reads(&b, offs[i], false);
    const uint8_t *p = NULL;
    ck_assert(!pf_get_span(&b, offs[i], 2, &p));
    ck_assert_ptr_null(p); /* nothing written on failure */
  }
  ck_assert(!pf_bytes_has(&b, 1, UINT32_MAX));
  ck_assert(!pf_bytes_has(&b, 8, UINT32_MAX));
  free(buf);
}
END_TEST

/* A window as long as a uint32_t counts: the last byte is inside, nothing
 * past it is (checked without touching memory). */
START_TEST(test_window_of_uint32_max) {
  uint8_t byte = 0;
  struct pf_bytes b = pf_bytes_of(&byte, UINT32_MAX);
  ck_assert(pf_bytes_has(&b, 0, UINT32_MAX));
  ck_assert(pf_bytes_has(&b, UINT32_MAX - 1, 1));
  ck_assert(pf_bytes_has(&b, UINT32_MAX, 0));
  ck_assert(!pf_bytes_has(&b, UINT32_MAX, 1));
  ck_assert(!pf_bytes_has(&b, 1, UINT32_MAX));
  ck_assert(!pf_bytes_has(&b, UINT32_MAX - 1, 2));
}
END_TEST

/* ---- the getters ---- */

START_TEST(test_getters_read_big_endian_at_every_offset) {
  uint8_t *buf;
  struct pf_bytes b = heap_window(8, &buf);
  for (uint32_t off = 0; off <= 9; off++) {
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    ck_assert_int_eq(pf_get_u8(&b, off, &u8), off + 1 <= 8);
    ck_assert_int_eq(pf_get_u16(&b, off, &u16), off + 2 <= 8);
    ck_assert_int_eq(pf_get_u32(&b, off, &u32), off + 4 <= 8);
    uint32_t v = 0x10 + off;
    if (off + 1 <= 8)
      ck_assert_uint_eq(u8, v);
    if (off + 2 <= 8)
      ck_assert_uint_eq(u16, v << 8 | (v + 1));
    if (off + 4 <= 8)
      ck_assert_uint_eq(u32, v << 24 | (v + 1) << 16 | (v + 2) << 8 | (v + 3));
  }
  free(buf);
}
END_TEST

START_TEST(test_failed_getters_write_nothing) {
  uint8_t *buf;
  struct pf_bytes b = heap_window(3, &buf);
  uint16_t u16 = 0xabcd;
  uint32_t u32 = 0x12345678;
  ck_assert(!pf_get_u16(&b, 2, &u16));
  ck_assert(!pf_get_u32(&b, 0, &u32));
  ck_assert_uint_eq(u16, 0xabcd);
  ck_assert_uint_eq(u32, 0x12345678);
  struct pf_bytes sub = {0};
  ck_assert(!pf_get_sub(&b, 1, 3, &sub));
  ck_assert_ptr_null(sub.data);
  free(buf);
}
END_TEST

/* A sub-window is a window of its own: its bounds, not its parent's. */
START_TEST(test_sub_window) {
  uint8_t *buf;
  struct pf_bytes b = heap_window(8, &buf);
  struct pf_bytes sub;
  ck_assert(pf_get_sub(&b, 2, 6, &sub)); /* exact fit to the end */
  ck_assert_ptr_eq(sub.data, buf + 2);
  ck_assert_uint_eq(sub.len, 6);
  uint16_t u16;
  ck_assert(pf_get_u16(&sub, 4, &u16));
  ck_assert_uint_eq(u16, 0x1617);
  ck_assert(!pf_get_u16(&sub, 5, &u16)); /* inside the parent, not the sub */
  ck_assert(!pf_get_sub(&b, 2, 7, &sub));
  ck_assert(!pf_get_sub(&b, UINT32_MAX, 2, &sub));
  ck_assert(pf_get_sub(&b, 8, 0, &sub));
  ck_assert_uint_eq(sub.len, 0);
  free(buf);
}
END_TEST

/* pf_get_hdr checks the whole struct: exact fit, one short, wrapping. */
START_TEST(test_get_hdr_checks_the_whole_header) {
  uint8_t *buf;
  struct pf_bytes b = heap_window(28, &buf);
  const struct pf_wire_ipv4 *ip = NULL;
  ck_assert(pf_get_hdr(&b, 8, &ip)); /* bytes 8..27: exact fit */
  ck_assert_ptr_eq(ip, (const void *)(buf + 8));
  ck_assert_uint_eq(pf_be16(ip->total_len), 0x1a1b);
  ck_assert_uint_eq(pf_be32(ip->src), 0x24252627);
  ck_assert_uint_eq(ip->dst[3], 0x2b);
  ip = NULL;
  ck_assert(!pf_get_hdr(&b, 9, &ip)); /* one past */
  ck_assert_ptr_null(ip);
  ck_assert(!pf_get_hdr(&b, UINT32_MAX - 10, &ip));
  ck_assert(!pf_get_hdr(&b, UINT32_MAX, &ip));
  ck_assert_ptr_null(ip);
  const struct pf_wire_ip *v;
  ck_assert(pf_get_hdr(&b, 27, &v)); /* a one-byte header at the end */
  ck_assert_uint_eq(pf_ip_version(v), 0x2);
  ck_assert(!pf_get_hdr(&b, 28, &v));
  free(buf);
}
END_TEST

Suite *pf_bytes_suite(void) {
  Suite *s = suite_create("bytes");
  TCase *tc = tcase_create("bound");
  tcase_add_test(tc, test_has_exact_fit_and_one_past);
  tcase_add_test(tc, test_zero_length);
  tcase_add_test(tc, test_wrapping_sums_refused);
  tcase_add_test(tc, test_window_of_uint32_max);
  suite_add_tcase(s, tc);

  tc = tcase_create("getters");
  tcase_add_test(tc, test_getters_read_big_endian_at_every_offset);
  tcase_add_test(tc, test_failed_getters_write_nothing);
  tcase_add_test(tc, test_sub_window);
  tcase_add_test(tc, test_get_hdr_checks_the_whole_header);
  suite_add_tcase(s, tc);
  return s;
}
