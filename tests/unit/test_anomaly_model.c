/* test_anomaly_model.c - the anomaly evidence tables against a plain
 * model of their rules, over random SYNs, completed handshakes and new UDP
 * flows: every slot's key, weight, counts and bitmap equal the model's
 * after each step, and after two such tables merge. The model states the
 * slot rules (anomaly.h) and the keyed hash that places a key, byte by
 * byte, without the words, the per-family copies, the unrolled multiplies
 * or the bitmap written at a holder's second probe that the table's code
 * has for speed; so any of those that changed a slot's winner, a count or
 * a bit fails here. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "anomaly/anomaly.h"
#include "base/hash.h"
#include "suites.h"

/* A key as the table stores it: family, port (0 for a scanner), address;
 * the bytes past an IPv4 address zero. */
static struct pf_anomaly_key key_of(uint8_t family, const uint8_t *addr,
                                    uint16_t port) {
  struct pf_anomaly_key k;
  memset(&k, 0, sizeof(k));
  k.family = family;
  k.port = port;
  memcpy(k.addr, addr, family == 4 ? 4 : 16);
  return k;
}

/* The keyed hash that places a key: an IPv4 key's first 8 bytes by the
 * process's hash (base/hash.h); an IPv6 key's 20 as three words (bytes
 * 0-7, 8-15, 16-19) by two folded multiplies and a finishing xor-shift,
 * multiply, xor-shift. */
static uint64_t model_hash(const uint64_t seed[4],
                           const struct pf_anomaly_key *k) {
  if (k->family == 4)
    return pf_hash_bytes(seed, k, 8);
  uint64_t w0, w1;
  uint32_t w2;
  memcpy(&w0, (const uint8_t *)k, 8);
  memcpy(&w1, (const uint8_t *)k + 8, 8);
  memcpy(&w2, (const uint8_t *)k + 16, 4);
  uint64_t h = pf_hash_mum(w0 ^ seed[1], w1 ^ seed[0]);
  h = pf_hash_mum(h ^ w2 ^ seed[2], 0x9e3779b97f4a7c15ULL ^ seed[3]);
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ULL;
  return h ^ h >> 32;
}

/* The slot rule: the same key uses its slot; an empty slot, or one whose
 * key's weight has run out, is taken over; otherwise the holder loses a
 * unit of weight. Returns whether the key may count. */
static bool model_claim(struct pf_anomaly_key *slot, uint32_t *weight,
                        const struct pf_anomaly_key *k, bool *taken) {
  *taken = false;
  if (memcmp(slot, k, sizeof(*k)) == 0)
    return true;
  if (slot->family && *weight > 0) {
    (*weight)--;
    return false;
  }
  *slot = *k;
  *weight = 0;
  *taken = true;
  return true;
}

static void model_packet(struct pf_anomaly_table *t, const uint64_t seed[4],
                         uint8_t family, const uint8_t *src, const uint8_t *dst,
                         uint16_t port, bool syn, bool new_udp,
                         bool completed) {
  struct pf_anomaly_key target = key_of(family, dst, port);
  uint64_t h = model_hash(seed, &target);
  struct pf_syn_slot *s = &t->syn[h % PF_ANOMALY_SLOTS];
  bool taken;
  if (completed) {
    if (memcmp(&s->key, &target, sizeof(target)) == 0) {
      s->done++;
      if (s->weight > 0)
        s->weight--;
    }
  } else if (syn && model_claim(&s->key, &s->weight, &target, &taken)) {
    if (taken)
      s->syn = s->done = 0;
    s->syn++;
    s->weight++;
  }
  if (syn || new_udp) {
    struct pf_anomaly_key from = key_of(family, src, 0);
    struct pf_scan_slot *c =
        &t->scan[model_hash(seed, &from) % PF_ANOMALY_SLOTS];
    if (model_claim(&c->key, &c->weight, &from, &taken)) {
      if (taken)
        memset(c->bits, 0, sizeof(c->bits));
      uint64_t bit = (h >> 16) % PF_SCAN_BITS;
      c->bits[bit / 64] |= 1ull << (bit % 64);
      c->weight++;
    }
  }
}

static uint32_t half_open(const struct pf_syn_slot *s) {
  return s->syn > s->done ? s->syn - s->done : 0;
}

/* Two workers' tables merged slot by slot: the same key adds up (a
 * scanner's bitmaps joined), else the heavier key keeps the slot. */
static void model_merge(struct pf_anomaly_table *dst,
                        const struct pf_anomaly_table *src) {
  for (int i = 0; i < PF_ANOMALY_SLOTS; i++) {
    const struct pf_syn_slot *a = &src->syn[i];
    struct pf_syn_slot *b = &dst->syn[i];
    if (!a->key.family)
      ;
    else if (memcmp(&a->key, &b->key, sizeof(a->key)) == 0) {
      b->syn += a->syn;
      b->done += a->done;
      b->weight += a->weight;
    } else if (!b->key.family || half_open(a) > half_open(b))
      *b = *a;
    const struct pf_scan_slot *x = &src->scan[i];
    struct pf_scan_slot *y = &dst->scan[i];
    if (!x->key.family)
      continue;
    if (memcmp(&x->key, &y->key, sizeof(x->key)) == 0) {
      y->weight += x->weight;
      for (int w = 0; w < PF_SCAN_BITS / 64; w++)
        y->bits[w] |= x->bits[w];
    } else if (!y->key.family || x->weight > y->weight)
      *y = *x;
  }
}

static uint64_t rng_state;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* Addresses from a small pool, so that keys repeat, hold their slots and
 * collide: IPv4 ones differing in any byte, IPv6 ones in any of the three
 * words a key is compared by (the address's first 4 bytes, the next 8,
 * the last 4). */
static void pool_addr(uint8_t family, uint8_t addr[16], unsigned pool) {
  static const uint8_t base6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0,
                                    0,    0,    0,    0,    0, 0, 0, 0x10};
  unsigned i = (unsigned)(rng() % pool);
  if (family == 4) {
    uint32_t a = 0xc6120000u + i * 0x01010101u % 0x20000u;
    addr[0] = (uint8_t)(a >> 24), addr[1] = (uint8_t)(a >> 16);
    addr[2] = (uint8_t)(a >> 8), addr[3] = (uint8_t)a;
    return;
  }
  memcpy(addr, base6, 16);
  switch (i % 3) {
  case 0:
    addr[3] = (uint8_t)(0xb8 + i);
    break;
  case 1:
    addr[9] = (uint8_t)i, addr[10] = (uint8_t)(i >> 8);
    break;
  default:
    addr[14] = (uint8_t)(i >> 8), addr[15] = (uint8_t)i;
  }
}

static void assert_same(const struct pf_anomaly_table *got,
                        const struct pf_anomaly_table *want, int run,
                        int step) {
  for (int i = 0; i < PF_ANOMALY_SLOTS; i++) {
    const struct pf_syn_slot *a = &got->syn[i], *b = &want->syn[i];
    if (memcmp(&a->key, &b->key, sizeof(a->key)) || a->weight != b->weight ||
        a->syn != b->syn || a->done != b->done)
      ck_abort_msg("run %d step %d: SYN slot %d: family %u port %u weight "
                   "%u syn %u done %u, the model's %u %u %u %u %u",
                   run, step, i, a->key.family, a->key.port, a->weight, a->syn,
                   a->done, b->key.family, b->key.port, b->weight, b->syn,
                   b->done);
    const struct pf_scan_slot *x = &got->scan[i], *y = &want->scan[i];
    uint64_t bits[PF_SCAN_BITS / 64];
    pf_scan_bitmap(x, bits);
    if (memcmp(&x->key, &y->key, sizeof(x->key)) || x->weight != y->weight ||
        memcmp(bits, y->bits, sizeof(bits)))
      ck_abort_msg("run %d step %d: scan slot %d: family %u weight %u, the "
                   "model's %u %u (or their bitmaps differ)",
                   run, step, i, x->key.family, x->weight, y->key.family,
                   y->weight);
    /* The estimate the notifications read, through the holder's first
     * bit too: a new holder is judged on its own bitmap, not on the one
     * its predecessor left in the slot. */
    if (pf_scan_distinct(x) != pf_scan_distinct(y))
      ck_abort_msg("run %d step %d: scan slot %d: %g distinct, the model's %g",
                   run, step, i, pf_scan_distinct(x), pf_scan_distinct(y));
  }
}

/* Each run a seed of its own and pools of its own size: small pools fill
 * the slots with repeating keys (weights build up, completions find their
 * target), large ones churn them (spoofed floods). Every kind of event,
 * and every combination of the three flags, for both families. */
/* count events from the pools into both tables */
static void feed(struct pf_anomaly_table *got, struct pf_anomaly_table *want,
                 const uint64_t seed[4], unsigned src_pool, unsigned dst_pool,
                 int steps, int run) {
  for (int step = 0; step < steps; step++) {
    uint64_t r = rng();
    uint8_t family = (r & 1) ? 4 : 6;
    uint8_t src[16], dst[16];
    pool_addr(family, src, src_pool);
    pool_addr(family, dst, dst_pool);
    uint16_t port = (uint16_t)(r >> 8) % 4 == 0 ? (uint16_t)(r >> 16)
                                                : (uint16_t)(80 + (r >> 2) % 2);
    unsigned kind = (unsigned)(r >> 32) % 16;
    /* mostly SYNs; completions, new UDP flows, and each odd mix */
    bool syn = kind < 10 || kind == 13 || kind == 15;
    bool completed = kind == 10 || kind == 11 || kind == 13 || kind == 15;
    bool new_udp = kind == 12 || kind == 14 || kind == 15;
    pf_anomaly_packet(got, seed, family, src, dst, port, syn, new_udp,
                      completed);
    model_packet(want, seed, family, src, dst, port, syn, new_udp, completed);
    if (step % 97 == 0 || step == steps - 1)
      assert_same(got, want, run, step);
  }
}

START_TEST(test_tables_follow_the_model) {
  struct pf_anomaly_table *got = calloc(1, sizeof(*got));
  struct pf_anomaly_table *want = calloc(1, sizeof(*want));
  struct pf_anomaly_table *got2 = calloc(1, sizeof(*got2));
  struct pf_anomaly_table *want2 = calloc(1, sizeof(*want2));
  ck_assert_ptr_nonnull(got);
  ck_assert_ptr_nonnull(want);
  ck_assert_ptr_nonnull(got2);
  ck_assert_ptr_nonnull(want2);
  rng_state = 0x2545f4914f6cdd1dULL;
  static const unsigned pools[] = {3, 40, 300, 5000, 100000};
  for (int run = 0; run < 40; run++) {
    uint64_t seed[4];
    for (int i = 0; i < 4; i++)
      seed[i] = rng();
    unsigned src_pool = pools[run % 5], dst_pool = pools[(run / 5) % 5];
    memset(got, 0, sizeof(*got));
    memset(want, 0, sizeof(*want));
    memset(got2, 0, sizeof(*got2));
    memset(want2, 0, sizeof(*want2));
    feed(got, want, seed, src_pool, dst_pool, 5000, run);
    /* a second worker's table, merged into the first */
    feed(got2, want2, seed, src_pool, dst_pool, 2000, run);
    pf_anomaly_merge(got, got2);
    model_merge(want, want2);
    assert_same(got, want, run, -1);
  }
  free(got);
  free(want);
  free(got2);
  free(want2);
}
END_TEST

Suite *pf_anomaly_model_suite(void) {
  Suite *s = suite_create("anomaly_model");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_tables_follow_the_model);
  suite_add_tcase(s, tc);
  return s;
}
