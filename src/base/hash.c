/* hash.c - the keyed hash every table and sketch uses, with a random seed
 * drawn once per process so that nobody outside can predict collisions. */
#include "base/hash.h"

#include <pthread.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t pf_seed_words[4];
static pthread_once_t pf_seed_once = PTHREAD_ONCE_INIT;

static uint64_t pf_splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void pf_seed_init(void) {
  if (getrandom(pf_seed_words, sizeof(pf_seed_words), 0) ==
      (ssize_t)sizeof(pf_seed_words))
    return;
  /* No entropy source (very early boot): still differ per process. */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
               ((uint64_t)getpid() << 40);
  for (int i = 0; i < 4; i++)
    pf_seed_words[i] = pf_splitmix(&x);
}

void pf_hash_seed(uint64_t seed[4]) {
  pthread_once(&pf_seed_once, pf_seed_init);
  memcpy(seed, pf_seed_words, sizeof(pf_seed_words));
}

uint64_t pf_hash_bytes(const uint64_t seed[4], const void *data, size_t len) {
  return pf_hash_inline(seed, data, len);
}
