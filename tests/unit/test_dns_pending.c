/* test_dns_pending.c - DNS queries waiting for their response
 * (src/shard/dns_pending.c): matched by flow, generation, id and question;
 * a retry keeps the first time; timed out and evicted queries counted,
 * at the tick and at a response, retry or full ring past the timeout with
 * no tick between, and when its id is reused for another question; and a
 * random model run against a plain list, every query ending answered or
 * unanswered. */
#include <stdlib.h>

#include <check.h>

#include "base/err.h"
#include "shard/dns_pending.h"
#include "suites.h"

static struct pf_dns_pending p;

static void setup(void) {
  char err[PF_ERR_MAX];
  ck_assert_int_eq(pf_dns_pending_init(&p, 16, 5, err, sizeof(err)), 0);
}

static void teardown(void) { pf_dns_pending_free(&p); }

static struct pf_dns_txn txn(uint32_t flow, uint16_t id) {
  return (struct pf_dns_txn){.flow = flow, .gen = 7, .qhash = 0xabc, .id = id};
}

START_TEST(response_gives_its_latency_once) {
  struct pf_dns_txn t = txn(3, 0x1234);
  uint64_t us = 0;
  pf_dns_pending_query(&p, &t, 100, 1000);
  ck_assert(pf_dns_pending_response(&p, &t, 850, 1750, &us));
  ck_assert_uint_eq(us, 750); /* timestamp to timestamp */
  ck_assert(!pf_dns_pending_response(&p, &t, 900, 1800, &us)); /* again */
  ck_assert_uint_eq(p.unmatched, 1);
}
END_TEST

START_TEST(flow_generation_id_and_question_must_all_match) {
  struct pf_dns_txn t = txn(3, 1), other = t;
  uint64_t us;
  pf_dns_pending_query(&p, &t, 0, 0);
  other.flow = 4;
  ck_assert(!pf_dns_pending_response(&p, &other, 10, 10, &us));
  other = t;
  other.gen = 8; /* the flow's entry reused by another flow */
  ck_assert(!pf_dns_pending_response(&p, &other, 10, 10, &us));
  other = t;
  other.id = 2;
  ck_assert(!pf_dns_pending_response(&p, &other, 10, 10, &us));
  other = t;
  other.qhash = 0xabd; /* a spoofed or colliding answer */
  ck_assert(!pf_dns_pending_response(&p, &other, 10, 10, &us));
  ck_assert_uint_eq(p.unmatched, 4);
  ck_assert(pf_dns_pending_response(&p, &t, 10, 10, &us));
  ck_assert_uint_eq(us, 10);
}
END_TEST

START_TEST(a_retry_keeps_the_first_time) {
  struct pf_dns_txn t = txn(1, 9);
  uint64_t us;
  pf_dns_pending_query(&p, &t, 0, 0);
  pf_dns_pending_query(&p, &t, 1000000, 1000000);
  ck_assert(pf_dns_pending_response(&p, &t, 1200000, 1200000, &us));
  ck_assert_uint_eq(us, 1200000);
}
END_TEST

START_TEST(timed_out_queries_are_unanswered) {
  struct pf_dns_txn a = txn(1, 1), b = txn(1, 2);
  uint64_t us;
  pf_dns_pending_query(&p, &a, 0, 0);
  pf_dns_pending_query(&p, &b, 3000000, 3000000);
  pf_dns_pending_tick(&p, 4999999);
  ck_assert_uint_eq(p.unanswered, 0);
  pf_dns_pending_tick(&p, 5000000);
  ck_assert_uint_eq(p.unanswered, 1);
  ck_assert(!pf_dns_pending_response(&p, &a, 5000001, 5000001, &us));
  ck_assert(pf_dns_pending_response(&p, &b, 5000001, 5000001, &us));
  pf_dns_pending_tick(&p, 100000000); /* answered: not unanswered */
  ck_assert_uint_eq(p.unanswered, 1);
  ck_assert_uint_eq(p.head, p.tail);
}
END_TEST

START_TEST(a_full_ring_evicts_its_oldest) {
  uint64_t us;
  for (uint16_t i = 0; i < 17; i++) {
    struct pf_dns_txn t = txn(i, i);
    pf_dns_pending_query(&p, &t, i, i);
  }
  ck_assert_uint_eq(p.evicted, 1);
  struct pf_dns_txn first = txn(0, 0);
  ck_assert(!pf_dns_pending_response(&p, &first, 100, 100, &us));
  for (uint16_t i = 1; i < 17; i++) {
    struct pf_dns_txn t = txn(i, i);
    ck_assert(pf_dns_pending_response(&p, &t, 100, 100, &us));
    ck_assert_uint_eq(us, 100u - i);
  }
}
END_TEST

/* A response the timeout or more after its query by the clock, no tick
 * between (a sparse file's batch): the query unanswered, once, and the
 * response unmatched; one 1 us sooner is its answer. The timestamps do
 * not decide (the latency's clock is not the timeout's). */
START_TEST(a_response_past_the_timeout_is_unmatched) {
  struct pf_dns_txn a = txn(1, 1), b = txn(2, 2);
  uint64_t us = 0;
  pf_dns_pending_query(&p, &a, 1000000, 0);
  pf_dns_pending_query(&p, &b, 1000000, 0);
  ck_assert(!pf_dns_pending_response(&p, &a, 6000000, 1000, &us));
  ck_assert_uint_eq(p.unanswered, 1);
  ck_assert_uint_eq(p.unmatched, 1);
  ck_assert(pf_dns_pending_response(&p, &b, 5999999, 9000000, &us));
  ck_assert_uint_eq(us, 9000000);
  pf_dns_pending_tick(&p, 100000000); /* neither counted again */
  ck_assert_uint_eq(p.unanswered, 1);
  ck_assert_uint_eq(p.unmatched, 1);
  ck_assert_uint_eq(p.head, p.tail);
}
END_TEST

/* The same transaction asked again the timeout or more after a waiting
 * query, no tick between: that one unanswered, the new one waits from its
 * own time, whether it asks the same question (a retry) or another. */
START_TEST(asked_again_past_the_timeout_waits_anew) {
  struct pf_dns_txn t = txn(1, 9), other = t;
  other.qhash = 0xdef;
  uint64_t us = 0;
  pf_dns_pending_query(&p, &t, 0, 0);
  pf_dns_pending_query(&p, &t, 5000000, 5000000);
  ck_assert_uint_eq(p.unanswered, 1);
  ck_assert(pf_dns_pending_response(&p, &t, 5300000, 5300000, &us));
  ck_assert_uint_eq(us, 300000);
  pf_dns_pending_query(&p, &t, 6000000, 6000000);
  pf_dns_pending_query(&p, &other, 11000000, 11000000);
  ck_assert_uint_eq(p.unanswered, 2);
  ck_assert(pf_dns_pending_response(&p, &other, 11000400, 11000400, &us));
  ck_assert_uint_eq(us, 400);
  pf_dns_pending_tick(&p, 100000000);
  ck_assert_uint_eq(p.unanswered, 2);
  ck_assert_uint_eq(p.unmatched, 0);
}
END_TEST

/* The id reused for another question while a query waits, within the
 * timeout: no response can match the first any more, so it is counted
 * unanswered there (it was dropped uncounted: neither answered,
 * unanswered nor evicted); the new one waits, and the tick counts neither
 * again. A retry of the first question then is a new query too. */
START_TEST(a_reused_id_leaves_the_waiting_query_unanswered) {
  struct pf_dns_txn t = txn(1, 9), other = t;
  other.qhash = 0xdef;
  uint64_t us = 0;
  pf_dns_pending_query(&p, &t, 0, 0);
  pf_dns_pending_query(&p, &other, 1000000, 1000000);
  ck_assert_uint_eq(p.unanswered, 1);
  ck_assert(!pf_dns_pending_response(&p, &t, 1100000, 1100000, &us));
  ck_assert_uint_eq(p.unmatched, 1); /* the first one's answer */
  pf_dns_pending_query(&p, &t, 1150000, 1150000);
  ck_assert_uint_eq(p.unanswered, 2); /* other's turn */
  ck_assert(pf_dns_pending_response(&p, &t, 1200000, 1200000, &us));
  ck_assert_uint_eq(us, 50000);
  pf_dns_pending_tick(&p, 100000000);
  ck_assert_uint_eq(p.unanswered, 2);
  ck_assert_uint_eq(p.unmatched, 1);
  ck_assert_uint_eq(p.evicted, 0);
  ck_assert_uint_eq(p.head, p.tail);
}
END_TEST

/* A full ring whose oldest is past the timeout, no tick between: that one
 * is unanswered, not evicted (it no longer waits); a live oldest is
 * evicted. */
START_TEST(a_full_ring_gives_up_a_timed_out_oldest_as_unanswered) {
  for (uint16_t i = 0; i < 16; i++) {
    struct pf_dns_txn t = txn(i, i);
    pf_dns_pending_query(&p, &t, i, i);
  }
  struct pf_dns_txn late = txn(100, 100), later = txn(101, 101);
  pf_dns_pending_query(&p, &late, 5000000, 5000000);
  ck_assert_uint_eq(p.unanswered, 1);
  ck_assert_uint_eq(p.evicted, 0);
  pf_dns_pending_query(&p, &later, 5000001, 5000001); /* its oldest: 1 us */
  ck_assert_uint_eq(p.unanswered, 2);
  pf_dns_pending_tick(&p, 5000014); /* 2 .. 14 */
  ck_assert_uint_eq(p.unanswered, 15);
  pf_dns_pending_tick(&p, 5000015); /* 15 */
  ck_assert_uint_eq(p.unanswered, 16);
  for (uint16_t i = 0; i < 16; i++) {
    struct pf_dns_txn t = txn(200 + i, i);
    pf_dns_pending_query(&p, &t, 5000016, 5000016);
  }
  ck_assert_uint_eq(p.evicted, 2); /* late and later, still live */
  ck_assert_uint_eq(p.unanswered, 16);
}
END_TEST

/* ---- the model: a plain list of what waits ---- */

#define MODEL_MAX 64

struct model {
  struct pf_dns_txn t[MODEL_MAX];
  uint64_t at[MODEL_MAX];
  unsigned n;
  uint64_t unanswered, evicted, unmatched;
  uint64_t asked, answered; /* queries that waited, and those answered */
};

static int model_find(const struct model *m, const struct pf_dns_txn *t) {
  for (unsigned i = 0; i < m->n; i++)
    if (m->t[i].flow == t->flow && m->t[i].gen == t->gen && m->t[i].id == t->id)
      return (int)i;
  return -1;
}

static void model_drop(struct model *m, unsigned i) {
  for (; i + 1 < m->n; i++) {
    m->t[i] = m->t[i + 1];
    m->at[i] = m->at[i + 1];
  }
  m->n--;
}

/* Whether the model's query i has waited the timeout (5 s) by now. */
static bool model_expired(const struct model *m, int i, uint64_t now) {
  return now - m->at[i] >= 5000000;
}

static void model_query(struct model *m, const struct pf_dns_txn *t,
                        uint64_t now) {
  int i = model_find(m, t);
  if (i >= 0 && model_expired(m, i, now)) {
    model_drop(m, (unsigned)i);
    m->unanswered++;
    i = -1;
  }
  if (i >= 0 && m->t[i].qhash == t->qhash)
    return;
  if (i >= 0) { /* another question: the first can no longer be answered */
    model_drop(m, (unsigned)i);
    m->unanswered++;
  }
  ck_assert_uint_lt(m->n, MODEL_MAX);
  m->asked++;
  m->t[m->n] = *t;
  m->at[m->n++] = now;
}

START_TEST(random_operations_agree_with_a_list) {
  /* A ring of 64 that never fills (at most 48 queries in 5 s of model
   * time), so the list needs no eviction order of dead entries. */
  char err[PF_ERR_MAX];
  pf_dns_pending_free(&p);
  ck_assert_int_eq(pf_dns_pending_init(&p, 64, 5, err, sizeof(err)), 0);
  struct model m = {.n = 0};
  uint64_t st = 12345, now = 0;
  for (int step = 0; step < 20000; step++) {
    st = st * 6364136223846793005ull + 1442695040888963407ull;
    unsigned r = (unsigned)(st >> 33);
    struct pf_dns_txn t = {.flow = r % 4,
                           .gen = (r >> 2) % 2,
                           .qhash = (r >> 3) % 2,
                           .id = (uint16_t)((r >> 4) % 4)};
    now += 110000; /* at most 46 queries within any 5 s */
    if ((r >> 8) % 3 == 0) {
      pf_dns_pending_query(&p, &t, now, now);
      model_query(&m, &t, now);
    } else if ((r >> 8) % 3 == 1) {
      uint64_t us = 0;
      int i = model_find(&m, &t);
      bool found = i >= 0 && m.t[i].qhash == t.qhash;
      bool want = found && !model_expired(&m, i, now);
      ck_assert_int_eq(pf_dns_pending_response(&p, &t, now, now, &us), want);
      if (want) {
        ck_assert_uint_eq(us, now - m.at[i]);
        model_drop(&m, (unsigned)i);
        m.answered++;
      } else {
        m.unmatched++;
      }
      if (found && !want) { /* past the timeout, no tick since */
        model_drop(&m, (unsigned)i);
        m.unanswered++;
      }
    } else {
      pf_dns_pending_tick(&p, now);
      while (m.n && now - m.at[0] >= 5000000) {
        model_drop(&m, 0);
        m.unanswered++;
      }
    }
    ck_assert_uint_eq(p.unanswered, m.unanswered);
    ck_assert_uint_eq(p.unmatched, m.unmatched);
    ck_assert_uint_eq(p.evicted, 0);
  }
  /* Every query ends somewhere: answered, or unanswered by the end. */
  pf_dns_pending_tick(&p, now + 5000000);
  ck_assert_uint_eq(p.unanswered + m.answered, m.asked);
}
END_TEST

Suite *pf_dns_pending_suite(void) {
  Suite *s = suite_create("dns_pending");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, response_gives_its_latency_once);
  tcase_add_test(tc, flow_generation_id_and_question_must_all_match);
  tcase_add_test(tc, a_retry_keeps_the_first_time);
  tcase_add_test(tc, timed_out_queries_are_unanswered);
  tcase_add_test(tc, a_full_ring_evicts_its_oldest);
  tcase_add_test(tc, a_response_past_the_timeout_is_unmatched);
  tcase_add_test(tc, asked_again_past_the_timeout_waits_anew);
  tcase_add_test(tc, a_full_ring_gives_up_a_timed_out_oldest_as_unanswered);
  tcase_add_test(tc, a_reused_id_leaves_the_waiting_query_unanswered);
  tcase_add_test(tc, random_operations_agree_with_a_list);
  suite_add_tcase(s, tc);
  return s;
}
