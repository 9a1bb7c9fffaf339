/* test_tls_resume.c - hellos read across TCP segments (src/shard/
 * tls_resume.c, tls_reasm.c): real hellos of openssl and curl split at
 * every byte into two segments, and into three at a stride, each read
 * whole - the same version offered and the same server name kept by its
 * flow as the hello in one segment; a segment sent again or overlapping
 * read from where the hello goes on; and each way a hello ends partial
 * counted once by why: a missing segment (gap), no rest in time (by the
 * tick, or by the rest's own clock when no tick came between) or at the
 * end of a file (gap), the capture's cut (snaplen), a full table
 * (evicted), more than is held (long). */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <pcap/dlt.h>

#include "app_messages.h"
#include "flow_packets.h"
#include "shard/shard.h"
#include "suites.h"

static struct pf_shard s;
static uint8_t msg[APP_MESSAGE_MAX];
static uint32_t seq_base = 1000; /* the sender's sequence number at byte 0 */

static void init(bool tcp) {
  struct pf_shard_config cfg = test_shard_config(4096, 16, tcp);
  cfg.tls = (struct pf_tls_config){.analysis = true, .names = 8};
  test_shard_start(&s, &cfg);
}

static void teardown(void) {
  pf_shard_free(&s);
  seq_base = 1000;
}

/* A segment from the client (port `cport`) to the server (443), or back,
 * with bytes [off, off + n) of `bytes` at sequence number seq_base + off,
 * captured up to `cap` bytes of payload (n: all). Queued and its buffer
 * freed at once. Returns its wire length. */
static uint32_t send_part(const uint8_t *bytes, uint32_t off, uint32_t n,
                          bool to_server, uint16_t cport, uint32_t cap,
                          uint64_t ts) {
  struct frame f;
  frame_conversation(&f, to_server, true, cport, 443, seq_base + off);
  uint32_t before = f.len;
  frame_bytes(&f, bytes + off, n);
  frame_finish(&f);
  return shard_frame(&s, &f, before + (cap < n ? cap : n),
                     (struct shard_hand){.dir = PF_DIR_RX,
                                         .locality = PF_LOCALITY_UNKNOWN,
                                         .ts = ts,
                                         .queue = true})
      .wire_len;
}

/* The whole message in segments that end at cuts[0..n) and its length. */
static uint32_t send_cut(const uint8_t *bytes, uint32_t len,
                         const uint32_t *cuts, unsigned n, uint16_t cport,
                         uint64_t ts) {
  uint32_t at = 0, wire = 0;
  for (unsigned i = 0; i <= n; i++) {
    uint32_t end = i < n ? cuts[i] : len;
    wire += send_part(bytes, at, end - at, true, cport, UINT32_MAX, ts);
    at = end;
  }
  return wire;
}

static void expect_one_name(const char *name, uint64_t bytes) {
  pf_shard_drain(&s);
  pf_shard_settle(&s);
  const struct pf_topn_item *top[4];
  ck_assert_uint_eq(pf_topn_top(&s.cur->tls_names, top, 4), 1);
  struct pf_tls_name_key key;
  memcpy(&key, top[0]->key, sizeof(key));
  ck_assert_uint_eq(key.len, strlen(name));
  ck_assert(memcmp(key.text, name, key.len) == 0);
  ck_assert_uint_eq(top[0]->bytes[0] + top[0]->bytes[1], bytes);
}

static uint64_t lost_sum(void) {
  uint64_t n = 0;
  for (int w = 0; w < PF_TLS_LOST_COUNT; w++)
    n += s.tls.stats.lost[w];
  return n;
}

/* n hellos read whole, `joined` of them from more than one segment, none
 * partial or held, every flow named `name` with its bytes. */
static void expect_read_whole(uint64_t n, uint64_t joined, const char *name,
                              uint64_t bytes) {
  pf_shard_drain(&s);
  const struct pf_tls_stats *st = &s.tls.stats;
  ck_assert_uint_eq(st->offered[4], n); /* TLS 1.3, as whole */
  ck_assert_uint_eq(st->reassembled, joined);
  ck_assert_uint_eq(st->partial, 0);
  ck_assert_uint_eq(s.tls.reasm.held, 0);
  ck_assert_uint_eq(s.tls.reasm.filter, 0);
  expect_one_name(name, bytes); /* every flow named */
}

/* Split at every byte, from the first: a first segment of fewer than 6
 * bytes is held until they tell (it was not read at all before). */
static void split_everywhere(const char *hex, const char *name) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(hex, msg), bytes = 0, n = 0;
  for (uint32_t cut = 1; cut < len; cut++, n++)
    bytes += send_cut(msg, len, &cut, 1, (uint16_t)(20000 + cut), SEC(1));
  expect_read_whole(n, n, name, bytes);
}

START_TEST(every_split_of_openssls_hello) {
  split_everywhere(APP_TLS_CLIENT_HELLO_13, "alpha.svc.test");
}
END_TEST

START_TEST(every_split_of_curls_hello) {
  split_everywhere(APP_TLS_CLIENT_HELLO_CURL, "beta.svc.test");
}
END_TEST

START_TEST(three_segments_at_a_stride) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_ANY, msg);
  uint32_t bytes = 0, n = 0;
  for (uint32_t a = 1; a < len; a += 7)
    for (uint32_t b = a + 1; b < len; b += 13, n++) {
      uint32_t cuts[2] = {a, b};
      bytes += send_cut(msg, len, cuts, 2, (uint16_t)(10000 + n), SEC(1));
    }
  expect_read_whole(n, n, "epsilon.svc.test", bytes);
}
END_TEST

START_TEST(a_server_hello_across_segments) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_SERVER_HELLO_12, msg);
  send_part(msg, 0, 40, false, 40000, UINT32_MAX, SEC(1));
  send_part(msg, 40, len - 40, false, 40000, UINT32_MAX, SEC(1));
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.tls.stats.selected[3], 1);
  ck_assert_uint_eq(s.tls.stats.reassembled, 1);
}
END_TEST

/* A segment sent again, and one overlapping what is held. */
START_TEST(copies_and_overlaps_read_on) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  uint32_t bytes = send_part(msg, 0, 100, true, 40000, UINT32_MAX, SEC(1));
  bytes += send_part(msg, 0, 100, true, 40000, UINT32_MAX, SEC(1));
  bytes += send_part(msg, 100, 100, true, 40000, UINT32_MAX, SEC(1));
  bytes += send_part(msg, 150, len - 150, true, 40000, UINT32_MAX, SEC(1));
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.tls.stats.reassembled, 1);
  ck_assert_uint_eq(s.tls.stats.offered[4], 1);
  ck_assert_uint_eq(s.tls.stats.partial, 0);
  expect_one_name("beta.svc.test", bytes);
}
END_TEST

START_TEST(a_missing_segment_is_a_gap) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  /* The name (at about 150) in the first: kept. */
  uint32_t bytes = send_part(msg, 0, 300, true, 40000, UINT32_MAX, SEC(1));
  bytes += send_part(msg, 400, len - 400, true, 40000, UINT32_MAX, SEC(1));
  /* The name in the missing one: none. */
  send_part(msg, 0, 100, true, 40001, UINT32_MAX, SEC(1));
  send_part(msg, 300, len - 300, true, 40001, UINT32_MAX, SEC(1));
  pf_shard_drain(&s);
  /* Each last segment waits for the hole before it, which never fills. */
  ck_assert_uint_eq(s.tls.reasm.held, 2);
  pf_tls_tick(&s.tls, SEC(1) + PF_TLS_REASM_LIVE_US);
  const struct pf_tls_stats *st = &s.tls.stats;
  ck_assert_uint_eq(st->partial, 2);
  ck_assert_uint_eq(st->lost[PF_TLS_LOST_GAP], 2);
  ck_assert_uint_eq(st->reassembled, 0);
  ck_assert_uint_eq(s.tls.reasm.held, 0);
  expect_one_name("beta.svc.test", bytes);
}
END_TEST

START_TEST(the_capture_cut_is_snaplen) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  /* The first segment cut: not held. */
  send_part(msg, 0, 300, true, 40000, 200, SEC(1));
  send_part(msg, 300, len - 300, true, 40000, UINT32_MAX, SEC(1));
  /* The second cut before the hello's end. */
  send_part(msg, 0, 300, true, 40001, UINT32_MAX, SEC(1));
  send_part(msg, 300, len - 300, true, 40001, 100, SEC(1));
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.tls.stats.partial, 2);
  ck_assert_uint_eq(s.tls.stats.lost[PF_TLS_LOST_SNAPLEN], 2);
  ck_assert_uint_eq(s.tls.reasm.held, 0);
}
END_TEST

/* No rest in PF_TLS_REASM_LIVE_US, or none before the file ends. */
START_TEST(no_rest_in_time_is_a_gap) {
  init(true);
  app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  send_part(msg, 0, 300, true, 40000, UINT32_MAX, SEC(1));
  pf_shard_expire(&s, SEC(1) + PF_TLS_REASM_LIVE_US - 1, 100);
  ck_assert_uint_eq(s.tls.reasm.held, 1);
  ck_assert_uint_eq(s.tls.stats.partial, 0);
  pf_shard_expire(&s, SEC(1) + PF_TLS_REASM_LIVE_US, 100);
  ck_assert_uint_eq(s.tls.reasm.held, 0);
  ck_assert_uint_eq(s.tls.stats.lost[PF_TLS_LOST_GAP], 1);
  send_part(msg, 0, 300, true, 40001, UINT32_MAX, SEC(5));
  pf_shard_expire_all(&s, SEC(5));
  ck_assert_uint_eq(s.tls.reasm.held, 0);
  ck_assert_uint_eq(s.tls.stats.lost[PF_TLS_LOST_GAP], 2);
  ck_assert_uint_eq(s.tls.stats.partial, 2);
}
END_TEST

/* The rest PF_TLS_REASM_LIVE_US or more after the hello was last fed, with
 * no tick between (a sparse file's batch is 4,096 packets): a gap, counted
 * once, and the rest not read as the hello's (it was, reassembled); 1 us
 * sooner it is. A short start's rest as late: not a hello, counted
 * nowhere, as after the tick. */
START_TEST(a_rest_past_the_time_is_a_gap_with_no_tick_between) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  const uint64_t t0 = SEC(1), live = PF_TLS_REASM_LIVE_US;
  send_part(msg, 0, 300, true, 40000, UINT32_MAX, t0);
  send_part(msg, 0, 300, true, 40001, UINT32_MAX, t0 + 1);
  send_part(msg, 0, 3, true, 40002, UINT32_MAX, t0 + 2);
  ck_assert_uint_eq(s.tls.reasm.held, 3);
  send_part(msg, 300, len - 300, true, 40001, UINT32_MAX, t0 + live);
  send_part(msg, 300, len - 300, true, 40000, UINT32_MAX, t0 + live);
  send_part(msg, 3, len - 3, true, 40002, UINT32_MAX, t0 + 2 + live);
  const struct pf_tls_stats *st = &s.tls.stats;
  ck_assert_uint_eq(st->reassembled, 1); /* 40001's, 1 us in time */
  ck_assert_uint_eq(st->lost[PF_TLS_LOST_GAP], 1);
  ck_assert_uint_eq(st->partial, 1);
  ck_assert_uint_eq(s.tls.reasm.held, 0);
  pf_shard_expire_all(&s, t0 + SEC(60)); /* the tick: none again */
  ck_assert_uint_eq(st->lost[PF_TLS_LOST_GAP], 1);
  ck_assert_uint_eq(st->partial, 1);
  ck_assert_uint_eq(st->partial, lost_sum());
  ck_assert_uint_eq(st->reassembled, 1);
}
END_TEST

/* More hellos in flight than entries: some given up while live, each
 * counted once, the others read whole. */
START_TEST(a_full_table_evicts) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  const unsigned n = PF_TLS_REASM_SLOTS + 8;
  for (unsigned i = 0; i < n; i++)
    send_part(msg, 0, 300, true, (uint16_t)(30000 + i), UINT32_MAX, SEC(1) + i);
  pf_shard_drain(&s);
  ck_assert_uint_le(s.tls.reasm.held, PF_TLS_REASM_SLOTS);
  ck_assert_uint_ge(s.tls.stats.lost[PF_TLS_LOST_EVICTED], 8);
  for (unsigned i = 0; i < n; i++)
    send_part(msg, 300, len - 300, true, (uint16_t)(30000 + i), UINT32_MAX,
              SEC(2));
  pf_shard_drain(&s);
  const struct pf_tls_stats *st = &s.tls.stats;
  ck_assert_uint_eq(st->reassembled + st->lost[PF_TLS_LOST_EVICTED], n);
  ck_assert_uint_eq(st->partial, lost_sum());
  ck_assert_uint_eq(st->partial, st->lost[PF_TLS_LOST_EVICTED]);
  ck_assert_uint_eq(s.tls.reasm.held, 0);
}
END_TEST

/* Adds to a ClientHello a padding extension of `pad` zero bytes at the
 * end, the lengths around it grown to match. Returns the new length. */
static uint32_t pad_hello(uint8_t *b, uint32_t len, uint32_t pad) {
  uint32_t at = 5 + 4 + 2 + 32;
  at += 1 + b[at];                              /* session id */
  at += 2 + ((uint32_t)b[at] << 8 | b[at + 1]); /* cipher suites */
  at += 1 + b[at];                              /* compression */
  uint32_t grow = 4 + pad, ext = ((uint32_t)b[at] << 8 | b[at + 1]) + grow;
  uint32_t hs = ((uint32_t)b[7] << 8 | b[8]) + grow, rec = hs + 4;
  b[at] = (uint8_t)(ext >> 8), b[at + 1] = (uint8_t)ext;
  b[6] = 0, b[7] = (uint8_t)(hs >> 8), b[8] = (uint8_t)hs;
  b[3] = (uint8_t)(rec >> 8), b[4] = (uint8_t)rec;
  b[len] = 0, b[len + 1] = 21; /* padding (RFC 7685) */
  b[len + 2] = (uint8_t)(pad >> 8), b[len + 3] = (uint8_t)pad;
  memset(b + len + 4, 0, pad);
  return len + grow;
}

/* A record longer than what is held: partial when the buffer is full;
 * one just inside it read whole. */
START_TEST(past_what_is_held_is_long) {
  init(true);
  static uint8_t big[PF_TLS_REASM_BYTES + 1024];
  for (int round = 0; round < 2; round++) {
    uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
    memcpy(big, msg, len);
    len = pad_hello(big, len, round ? PF_TLS_REASM_BYTES - len - 4 : 4000);
    ck_assert_uint_eq(len, round ? PF_TLS_REASM_BYTES : 4517 + 4);
    for (uint32_t at = 0; at < len; at += 1400)
      send_part(big, at, len - at < 1400 ? len - at : 1400, true,
                (uint16_t)(40000 + round), UINT32_MAX, SEC(1));
  }
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.tls.stats.partial, 1);
  ck_assert_uint_eq(s.tls.stats.lost[PF_TLS_LOST_LONG], 1);
  ck_assert_uint_eq(s.tls.stats.reassembled, 1);
  /* The long one's supported_versions was read (before the padding). */
  ck_assert_uint_eq(s.tls.stats.offered[4], 2);
  ck_assert_uint_eq(s.tls.reasm.held, 0);
}
END_TEST

START_TEST(versions_without_tcp_analysis) {
  init(false);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  uint32_t cut = 100;
  send_cut(msg, len, &cut, 1, 40000, SEC(1));
  pf_shard_drain(&s);
  ck_assert_uint_eq(s.tls.stats.offered[4], 1);
  ck_assert_uint_eq(s.tls.stats.reassembled, 1);
}
END_TEST

/* The first part of a hello held, then a new connection on the same
 * addresses and ports (the old one reset) whose sequence numbers start
 * before it: its hello in one segment is read as its own, not taken for a
 * copy of held bytes (it was lost, uncounted and unnamed, before), and the
 * held one is a gap. */
START_TEST(a_new_connection_behind_a_held_hello) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  seq_base = 50000;
  uint32_t bytes = send_part(msg, 0, 100, true, 40000, UINT32_MAX, SEC(1));
  seq_base = 10000;
  bytes += send_part(msg, 0, len, true, 40000, UINT32_MAX, SEC(2));
  pf_shard_drain(&s);
  const struct pf_tls_stats *st = &s.tls.stats;
  ck_assert_uint_eq(st->offered[4], 1);
  ck_assert_uint_eq(st->lost[PF_TLS_LOST_GAP], 1);
  ck_assert_uint_eq(st->partial, 1);
  ck_assert_uint_eq(st->reassembled, 0);
  ck_assert_uint_eq(s.tls.reasm.held, 0);
  expect_one_name("beta.svc.test", bytes);
}
END_TEST

/* A hello whose supported_versions (after its server name) does not parse:
 * malformed, and its name given to no flow, whether it came in one
 * segment or across two with the name in the second. */
START_TEST(a_malformed_hello_names_nothing) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  const char *name = "beta.svc.test";
  uint32_t at_name = 0, at_versions = 0;
  for (uint32_t i = 0; i + strlen(name) <= len && !at_name; i++)
    if (memcmp(msg + i, name, strlen(name)) == 0)
      at_name = i;
  for (uint32_t i = at_name; i + 5 <= len && !at_versions; i++)
    if (msg[i] == 0x00 && msg[i + 1] == 0x2b &&
        ((uint32_t)msg[i + 2] << 8 | msg[i + 3]) == msg[i + 4] + 1u)
      at_versions = i;
  ck_assert_uint_gt(at_name, 6);
  ck_assert_uint_gt(at_versions, at_name);
  msg[at_versions + 4] = 0; /* a list of no versions: E_VERSIONS */
  uint32_t cut = 6;
  send_cut(msg, len, &cut, 1, 40000, SEC(1));
  send_part(msg, 0, len, true, 40001, UINT32_MAX, SEC(1));
  pf_shard_drain(&s);
  pf_shard_settle(&s);
  ck_assert_uint_eq(s.tls.stats.malformed[PF_TLS_E_VERSIONS], 2);
  ck_assert_uint_eq(s.tls.stats.reassembled, 0);
  const struct pf_topn_item *top[4];
  ck_assert_uint_eq(pf_topn_top(&s.cur->tls_names, top, 4), 0);
}
END_TEST

/* Segments of fewer than 6 bytes that start like a handshake record but
 * are no hello: nothing counted and nothing left held, whether the bytes
 * after them tell (in order) or never come; a hello after a gap is read on
 * its own. */
START_TEST(a_short_start_that_is_no_hello) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  static const uint8_t ccs[24] = {0x16, 0x03, 0x03, 0x00, 0x01, 0x14};
  send_part(ccs, 0, 3, true, 40000, UINT32_MAX, SEC(1)); /* 3 of 24 */
  send_part(ccs, 3, 21, true, 40000, UINT32_MAX, SEC(1));
  ck_assert_uint_eq(s.tls.reasm.held, 0);
  seq_base = 1000 - 4000;
  send_part(ccs, 0, 4, true, 40001, UINT32_MAX, SEC(1));
  seq_base = 1000;
  send_part(msg, 0, len, true, 40001, UINT32_MAX, SEC(1)); /* a gap */
  send_part(ccs, 0, 5, true, 40002, UINT32_MAX, SEC(1));   /* no rest */
  ck_assert_uint_eq(s.tls.reasm.held, 1);
  pf_shard_expire_all(&s, SEC(2));
  const struct pf_tls_stats *st = &s.tls.stats;
  ck_assert_uint_eq(st->offered[4], 1);
  ck_assert_uint_eq(st->partial, 0);
  ck_assert_uint_eq(st->reassembled, 0);
  for (int r = 0; r < PF_TLS_RESULT_COUNT; r++)
    ck_assert_uint_eq(st->malformed[r], 0);
  ck_assert_uint_eq(s.tls.reasm.held, 0);
  ck_assert_uint_eq(s.tls.reasm.filter, 0);
}
END_TEST

/* A short start takes a free or stale entry, never a live hello's. */
START_TEST(a_short_start_evicts_no_hello) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  const unsigned n = PF_TLS_REASM_SLOTS * 4;
  for (unsigned i = 0; i < n; i++)
    send_part(msg, 0, i % 2 ? 300 : 3, true, (uint16_t)(30000 + i), UINT32_MAX,
              SEC(1) + i);
  pf_shard_drain(&s);
  ck_assert_uint_le(s.tls.reasm.held, PF_TLS_REASM_SLOTS);
  /* Evicted only by the hellos: at most one for each held past a set. */
  ck_assert_uint_le(s.tls.stats.lost[PF_TLS_LOST_EVICTED], n / 2);
  pf_shard_expire_all(&s, SEC(2));
  const struct pf_tls_stats *st = &s.tls.stats;
  /* Each hello of 300 bytes counted once, by why; no short start. */
  ck_assert_uint_eq(st->partial, n / 2);
  ck_assert_uint_eq(st->partial, lost_sum());
  ck_assert_uint_eq(s.tls.reasm.held, 0);
  (void)len;
}
END_TEST

/* The hello's handshake bytes in records of `body` bytes each (RFC 8446
 * 5.1: a handshake message may be fragmented over records). Returns the
 * stream's length. */
static uint32_t fragment(const uint8_t *hello, uint32_t len, uint32_t body,
                         uint8_t *out) {
  uint32_t n = 0;
  for (uint32_t at = 5; at < len; at += body) {
    uint32_t k = len - at < body ? len - at : body;
    out[n++] = 0x16, out[n++] = 0x03, out[n++] = 0x01;
    out[n++] = (uint8_t)(k >> 8), out[n++] = (uint8_t)k;
    memcpy(out + n, hello + at, k);
    n += k;
  }
  return n;
}

/* A ClientHello fragmented over records of 1 to 400 bytes, in one
 * segment and split at a stride: read whole and named as in one record
 * (each was partial, long, and often unnamed before); reassembled only
 * when it came in more than one segment. */
START_TEST(a_hello_over_several_records) {
  init(true);
  static const uint32_t bodies[] = {1, 3, 4, 37, 100, 400};
  static uint8_t stream[4 * APP_MESSAGE_MAX];
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  uint32_t bytes = 0, n = 0, joined = 0;
  for (unsigned b = 0; b < sizeof(bodies) / sizeof(*bodies); b++) {
    uint32_t slen = fragment(msg, len, bodies[b], stream);
    ck_assert_uint_le(slen, PF_TLS_REASM_BYTES * 2);
    for (uint32_t cut = 0; cut < slen; cut += 29, n++) {
      uint16_t port = (uint16_t)(20000 + n);
      bytes += cut ? send_cut(stream, slen, &cut, 1, port, SEC(1))
                   : send_part(stream, 0, slen, true, port, UINT32_MAX, SEC(1));
      joined += cut > 0;
    }
  }
  expect_read_whole(n, joined, "beta.svc.test", bytes);
}
END_TEST

/* A record of another type inside a hello (an alert after its first
 * record): malformed, `record`, counted once. */
START_TEST(another_record_inside_a_hello_is_malformed) {
  init(true);
  static uint8_t stream[4 * APP_MESSAGE_MAX];
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  uint32_t slen = fragment(msg, len, 100, stream);
  stream[105] = 0x15; /* the second record an alert */
  send_part(stream, 0, slen, true, 40000, UINT32_MAX, SEC(1));
  uint32_t cut = 103;
  send_cut(stream, slen, &cut, 1, 40001, SEC(1));
  pf_shard_drain(&s);
  const struct pf_tls_stats *st = &s.tls.stats;
  ck_assert_uint_eq(st->malformed[PF_TLS_E_RECORD], 2);
  ck_assert_uint_eq(st->offered[4] + st->partial + st->reassembled, 0);
  ck_assert_uint_eq(s.tls.reasm.held, 0);
}
END_TEST

/* Segments out of order: the third before the second, at every pair of
 * cuts at a stride, read whole (a gap before); two out of order, or one
 * that would not fit before the hole is filled, are a gap, once. */
START_TEST(a_segment_out_of_order_waits) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  uint32_t bytes = 0, n = 0;
  for (uint32_t a = 1; a < len; a += 11)
    for (uint32_t b = a + 1; b < len; b += 17, n++) {
      uint16_t port = (uint16_t)(10000 + n);
      bytes += send_part(msg, 0, a, true, port, UINT32_MAX, SEC(1));
      bytes += send_part(msg, b, len - b, true, port, UINT32_MAX, SEC(1));
      bytes += send_part(msg, b, len - b, true, port, UINT32_MAX, SEC(1));
      bytes += send_part(msg, a, b - a, true, port, UINT32_MAX, SEC(1));
    }
  expect_read_whole(n, n, "beta.svc.test", bytes);
}
END_TEST

START_TEST(two_out_of_order_are_a_gap) {
  init(true);
  uint32_t len = (uint32_t)app_bytes(APP_TLS_CLIENT_HELLO_CURL, msg);
  send_part(msg, 0, 100, true, 40000, UINT32_MAX, SEC(1));
  send_part(msg, 300, len - 300, true, 40000, UINT32_MAX, SEC(1));
  send_part(msg, 200, 100, true, 40000, UINT32_MAX, SEC(1));
  send_part(msg, 100, 100, true, 40000, UINT32_MAX, SEC(1));
  pf_shard_drain(&s);
  const struct pf_tls_stats *st = &s.tls.stats;
  ck_assert_uint_eq(st->partial, 1);
  ck_assert_uint_eq(st->lost[PF_TLS_LOST_GAP], 1);
  ck_assert_uint_eq(st->offered[4] + st->reassembled, 0);
  ck_assert_uint_eq(s.tls.reasm.held, 0);
}
END_TEST

Suite *pf_tls_resume_suite(void) {
  Suite *su = suite_create("tls_resume");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, every_split_of_openssls_hello);
  tcase_add_test(tc, every_split_of_curls_hello);
  tcase_add_test(tc, three_segments_at_a_stride);
  tcase_add_test(tc, a_server_hello_across_segments);
  tcase_add_test(tc, copies_and_overlaps_read_on);
  tcase_add_test(tc, a_missing_segment_is_a_gap);
  tcase_add_test(tc, the_capture_cut_is_snaplen);
  tcase_add_test(tc, no_rest_in_time_is_a_gap);
  tcase_add_test(tc, a_rest_past_the_time_is_a_gap_with_no_tick_between);
  tcase_add_test(tc, a_full_table_evicts);
  tcase_add_test(tc, past_what_is_held_is_long);
  tcase_add_test(tc, versions_without_tcp_analysis);
  tcase_add_test(tc, a_new_connection_behind_a_held_hello);
  tcase_add_test(tc, a_malformed_hello_names_nothing);
  tcase_add_test(tc, a_short_start_that_is_no_hello);
  tcase_add_test(tc, a_short_start_evicts_no_hello);
  tcase_add_test(tc, a_hello_over_several_records);
  tcase_add_test(tc, another_record_inside_a_hello_is_malformed);
  tcase_add_test(tc, a_segment_out_of_order_waits);
  tcase_add_test(tc, two_out_of_order_are_a_gap);
  suite_add_tcase(su, tc);
  return su;
}
