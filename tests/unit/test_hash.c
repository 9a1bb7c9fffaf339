/* test_hash.c - pf_hash_seed (random per process, stable within one) and
 * pf_hash_bytes (every input byte, the length and the seed count). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "base/hash.h"
#include "flow/flow.h"
#include "suites.h"

/* Names the pipe a re-executed test binary reports its seed through. */
#define SEED_FD_ENV "PF_UNIT_SEED_FD"

static const uint64_t fixed_seed[4] = {
    0x0123456789abcdefULL, 0xfedcba9876543210ULL, 0x0f1e2d3c4b5a6978ULL,
    0x8796a5b4c3d2e1f0ULL};

/* ---- the seed ---- */

/* Does nothing in a normal run. When test_seed_differs_per_process runs
 * the binary again for this case alone, it writes that fresh process' seed
 * to the pipe. */
START_TEST(test_seed_reporter) {
  const char *fd = getenv(SEED_FD_ENV);
  if (!fd)
    return;
  uint64_t seed[4];
  pf_hash_seed(seed);
  ck_assert_int_eq(write(atoi(fd), seed, sizeof(seed)), (int)sizeof(seed));
}
END_TEST

/* The seed of a new process: fork, then exec this binary so the child
 * starts without the seed this process may already have drawn (a plain
 * fork would inherit it). */
static void seed_of_new_process(uint64_t seed[4]) {
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    char num[16];
    close(fds[0]);
    snprintf(num, sizeof(num), "%d", fds[1]);
    setenv(SEED_FD_ENV, num, 1);
    setenv("CK_RUN_SUITE", "hash", 1);
    setenv("CK_RUN_CASE", "seed_reporter", 1);
    setenv("CK_FORK", "no", 1);
    setenv("CK_VERBOSITY", "silent", 1);
    execl("/proc/self/exe", "unit-tests", (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  size_t got = 0;
  ssize_t n;
  while (got < 4 * sizeof(uint64_t) &&
         (n = read(fds[0], (char *)seed + got, 4 * sizeof(uint64_t) - got)) > 0)
    got += (size_t)n;
  close(fds[0]);
  int status;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "the child test run failed (status %d)", status);
  ck_assert_uint_eq(got, 4 * sizeof(uint64_t));
}

START_TEST(test_seed_differs_per_process) {
  uint64_t mine[4], child1[4], child2[4];
  pf_hash_seed(mine);
  seed_of_new_process(child1);
  seed_of_new_process(child2);
  ck_assert(memcmp(mine, child1, sizeof(mine)) != 0);
  ck_assert(memcmp(mine, child2, sizeof(mine)) != 0);
  ck_assert(memcmp(child1, child2, sizeof(mine)) != 0);
}
END_TEST

START_TEST(test_seed_is_not_trivial) {
  uint64_t seed[4];
  pf_hash_seed(seed);
  /* Four distinct, non-zero words: something random was drawn. */
  for (int i = 0; i < 4; i++) {
    ck_assert_uint_ne(seed[i], 0);
    for (int j = i + 1; j < 4; j++)
      ck_assert_uint_ne(seed[i], seed[j]);
  }
}
END_TEST

static void *seed_in_thread(void *arg) {
  pf_hash_seed(arg);
  return NULL;
}

START_TEST(test_seed_is_stable_within_a_process) {
  uint64_t a[4], b[4], c[4];
  pf_hash_seed(a);
  pf_hash_seed(b);
  ck_assert_mem_eq(a, b, sizeof(a));
  pthread_t th;
  ck_assert_int_eq(pthread_create(&th, NULL, seed_in_thread, c), 0);
  pthread_join(th, NULL);
  ck_assert_mem_eq(a, c, sizeof(a));
}
END_TEST

/* ---- the hash ---- */

START_TEST(test_hash_is_deterministic) {
  const char text[] = "pcapflow";
  ck_assert_uint_eq(pf_hash_bytes(fixed_seed, text, 8),
                    pf_hash_bytes(fixed_seed, text, 8));
  uint64_t seed[4];
  pf_hash_seed(seed);
  ck_assert_uint_eq(pf_hash_bytes(seed, text, 8), pf_hash_bytes(seed, text, 8));
}
END_TEST

START_TEST(test_every_input_bit_changes_the_hash) {
  /* A flow key's size: every bit of a key must matter for the bucket. */
  uint8_t key[sizeof(struct pf_flow_key)];
  for (size_t i = 0; i < sizeof(key); i++)
    key[i] = (uint8_t)(i * 37);
  uint64_t base = pf_hash_bytes(fixed_seed, key, sizeof(key));
  for (size_t bit = 0; bit < sizeof(key) * 8; bit++) {
    key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    ck_assert_msg(pf_hash_bytes(fixed_seed, key, sizeof(key)) != base,
                  "bit %zu does not change the hash", bit);
    key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
}
END_TEST

START_TEST(test_length_and_seed_change_the_hash) {
  uint8_t zeros[64] = {0};
  /* Zero-extended inputs of every length are all different. */
  uint64_t h[65];
  for (size_t len = 0; len <= 64; len++) {
    h[len] = pf_hash_bytes(fixed_seed, zeros, len);
    for (size_t j = 0; j < len; j++)
      ck_assert_msg(h[j] != h[len], "lengths %zu and %zu collide", j, len);
  }
  for (int w = 0; w < 4; w++) {
    uint64_t other[4];
    memcpy(other, fixed_seed, sizeof(other));
    other[w] ^= 1;
    ck_assert_msg(pf_hash_bytes(other, "key", 3) !=
                      pf_hash_bytes(fixed_seed, "key", 3),
                  "seed word %d does not matter", w);
  }
}
END_TEST

START_TEST(test_hash_reads_only_len_bytes) {
  /* Exactly-sized heap buffers: AddressSanitizer sees any overread. */
  for (size_t len = 0; len <= 48; len++) {
    uint8_t *buf = malloc(len ? len : 1);
    memset(buf, 0x77, len);
    pf_hash_bytes(fixed_seed, buf, len);
    free(buf);
  }
}
END_TEST

START_TEST(test_low_bits_spread_evenly) {
  /* Tables take the low bits: 65536 consecutive integers into 256 buckets
   * should give 256 each, give or take seven standard deviations (16). */
  unsigned counts[256] = {0};
  for (uint32_t i = 0; i < 65536; i++)
    counts[pf_hash_bytes(fixed_seed, &i, sizeof(i)) & 255]++;
  for (int b = 0; b < 256; b++)
    ck_assert_msg(counts[b] >= 144 && counts[b] <= 368, "bucket %d: %u", b,
                  counts[b]);
}
END_TEST

/* A sweep of a /22 from one source port to one port: IPv4 flow keys
 * (src/flow/flow_key.c's 18 bytes) that differ only in the last two
 * bytes of the higher address, as many keys as buckets, over 256 seeds.
 * The mean chain a key sees must stay near a random function's (2 at
 * load 1): a two-multiply hash of this key that multiplied the tail
 * unmixed put them on a lattice for one seed in 17 (mean chains up to
 * 4.15, and a chain of 20 in a /16 scan). */
static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

START_TEST(test_a_scan_spreads_for_every_seed) {
  uint64_t x = 1;
  for (int trial = 0; trial < 256; trial++) {
    uint64_t seed[4] = {splitmix(&x), splitmix(&x), splitmix(&x), splitmix(&x)};
    static unsigned counts[1024];
    memset(counts, 0, sizeof(counts));
    uint8_t key[18] = {6, 0,   0x9c, 0x40, 0, 80,  0,  0, 0,
                       0, 198, 18,   0,    1, 198, 19, 0, 0};
    for (unsigned i = 0; i < 1024; i++) {
      key[16] = (uint8_t)(i >> 8);
      key[17] = (uint8_t)i;
      counts[pf_hash_bytes(seed, key, sizeof(key)) & 1023]++;
    }
    double squares = 0;
    for (int b = 0; b < 1024; b++)
      squares += (double)counts[b] * counts[b];
    ck_assert_msg(squares / 1024 <= 2.3, "seed %d: mean chain %.2f", trial,
                  squares / 1024);
  }
}
END_TEST

Suite *pf_hash_suite(void) {
  Suite *s = suite_create("hash");
  TCase *tc = tcase_create("seed_reporter");
  tcase_add_test(tc, test_seed_reporter);
  suite_add_tcase(s, tc);

  tc = tcase_create("seed");
  tcase_set_timeout(tc, 30); /* runs the binary twice more */
  tcase_add_test(tc, test_seed_differs_per_process);
  tcase_add_test(tc, test_seed_is_not_trivial);
  tcase_add_test(tc, test_seed_is_stable_within_a_process);
  suite_add_tcase(s, tc);

  tc = tcase_create("bytes");
  tcase_add_test(tc, test_hash_is_deterministic);
  tcase_add_test(tc, test_every_input_bit_changes_the_hash);
  tcase_add_test(tc, test_length_and_seed_change_the_hash);
  tcase_add_test(tc, test_hash_reads_only_len_bytes);
  tcase_add_test(tc, test_low_bits_spread_evenly);
  tcase_add_test(tc, test_a_scan_spreads_for_every_seed);
  suite_add_tcase(s, tc);
  return s;
}
