/* tap_wire.c - a slow, lossy wire for the tests: a TAP device in each of
 * two network namespaces, frames passed across after a fixed delay, a set
 * share of them dropped (a deterministic PRNG), because this kernel has no
 * netem. Usage: tap_wire NETNS_A TAP_A NETNS_B TAP_B DELAY_MS LOSS_PERMILLE
 * SEED. Runs until killed; prints "ready" once both devices exist. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define QUEUE 8192 /* frames in flight per direction; more are dropped */
#define FRAME 2048

struct queued {
  uint64_t due_ns;
  uint16_t len;
  uint8_t data[FRAME];
};

struct lane {
  int in, out;
  struct queued *q;
  unsigned head, tail; /* FIFO: delays are equal, so due times are ordered */
};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_state;
static uint32_t rng_below(uint32_t n) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state % n);
}

/* Opens TAP `name` in the network namespace /run/netns/NETNS. */
static int open_tap(const char *netns, const char *name) {
  char path[256];
  snprintf(path, sizeof(path), "/run/netns/%s", netns);
  int ns = open(path, O_RDONLY);
  if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
    perror(path);
    exit(1);
  }
  close(ns);
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
  if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) != 0) {
    perror("TUNSETIFF");
    exit(1);
  }
  return fd;
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: tap_wire NS_A TAP_A NS_B TAP_B DELAY_MS LOSS_PERMILLE SEED\n");
    return 2;
  }
  int a = open_tap(argv[1], argv[2]);
  int b = open_tap(argv[3], argv[4]);
  uint64_t delay_ns = strtoull(argv[5], NULL, 10) * 1000000u;
  uint32_t loss = (uint32_t)strtoul(argv[6], NULL, 10);
  rng_state = strtoull(argv[7], NULL, 10) | 1;
  struct lane lanes[2] = {{.in = a, .out = b}, {.in = b, .out = a}};
  for (int i = 0; i < 2; i++)
    if (!(lanes[i].q = calloc(QUEUE, sizeof(struct queued))))
      return 1;
  printf("ready\n");
  fflush(stdout);

  for (;;) {
    struct pollfd p[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
    poll(p, 2, 1); /* 1 ms: the delay's resolution */
    uint64_t now = now_ns();
    for (int i = 0; i < 2; i++) {
      struct lane *l = &lanes[i];
      for (;;) { /* take every frame waiting */
        struct queued *slot = &l->q[l->tail % QUEUE];
        ssize_t n = read(l->in, slot->data, FRAME);
        if (n <= 0)
          break;
        if (l->tail - l->head == QUEUE || rng_below(1000) < loss)
          continue; /* dropped on the wire */
        slot->len = (uint16_t)n;
        slot->due_ns = now + delay_ns;
        l->tail++;
      }
      while (l->head != l->tail && l->q[l->head % QUEUE].due_ns <= now) {
        struct queued *f = &l->q[l->head % QUEUE];
        if (write(l->out, f->data, f->len) < 0) {
          /* the device is going away or full: the frame is lost */
        }
        l->head++;
      }
    }
  }
}
