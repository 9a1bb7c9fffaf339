/* seed_hostile.c - hand-built fuzz_frames seeds at the decoder's edges
 * (docs/DECODING.md): IPv4 segments with a total length of 0 (TSO, BIG
 * TCP), whole and cut by the snapshot length; wire lengths at, just past
 * and far past the 1 MiB bound; stacks exactly at each depth bound and one
 * past it (VLAN tags, MPLS labels, IPv6 extension headers). make_seeds.sh
 * adds them to the corpus as they are, not reduced by libFuzzer's merge. */
#include "seed_hostile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_input.h"

#define FZ_BUF 2048

struct fz_frame {
  uint8_t b[FZ_BUF];
  size_t n;
};

static void put8(struct fz_frame *f, uint8_t v) {
  if (f->n >= FZ_BUF) {
    fprintf(stderr, "seed_hostile: frame too long\n");
    exit(1);
  }
  f->b[f->n++] = v;
}

static void put16(struct fz_frame *f, uint16_t v) {
  put8(f, (uint8_t)(v >> 8));
  put8(f, (uint8_t)v);
}

static void put32(struct fz_frame *f, uint32_t v) {
  put16(f, (uint16_t)(v >> 16));
  put16(f, (uint16_t)v);
}

static void fill(struct fz_frame *f, uint8_t v, size_t n) {
  while (n--)
    put8(f, v);
}

static void eth(struct fz_frame *f, uint16_t type) {
  static const uint8_t macs[12] = {2, 0, 0, 0, 0, 0xb, 2, 0, 0, 0, 0, 0xa};
  for (size_t i = 0; i < sizeof(macs); i++)
    put8(f, macs[i]);
  put16(f, type);
}

/* IPv4 from 198.18.0.1 to 198.18.0.2, DF set; options of NOPs. */
static void ipv4(struct fz_frame *f, uint8_t proto, uint8_t ihl,
                 uint16_t total) {
  put8(f, (uint8_t)(0x40 | ihl));
  put8(f, 0);
  put16(f, total);
  put32(f, 0x00004000); /* id 0, DF */
  put8(f, 64);
  put8(f, proto);
  put16(f, 0); /* checksum: the decoder does not check it */
  put32(f, 0xc6120001);
  put32(f, 0xc6120002);
  fill(f, 1, (size_t)(ihl - 5) * 4);
}

static void ipv6(struct fz_frame *f, uint8_t next, uint16_t plen) {
  put32(f, 0x60000000);
  put16(f, plen);
  put8(f, next);
  put8(f, 64);
  for (int side = 1; side <= 2; side++) {
    put32(f, 0x20010db8);
    put32(f, 0x00010000);
    put32(f, 0);
    put32(f, (uint32_t)side);
  }
}

static void tcp(struct fz_frame *f) {
  put32(f, 443u << 16 | 50000u);
  put32(f, 1000);   /* seq */
  put32(f, 2000);   /* ack */
  put16(f, 0x5018); /* doff 5, PSH ACK */
  put16(f, 65535);
  put32(f, 0);
}

static void udp(struct fz_frame *f, uint16_t len) {
  put32(f, 5353u << 16 | 53u);
  put16(f, len);
  put16(f, 0);
}

/* Writes one seed: the Ethernet link type, one record (caplen, len). */
static void emit(const char *dir, const char *name, const struct fz_frame *f,
                 size_t caplen, uint32_t len) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/hostile-%s", dir, name);
  FILE *out = fopen(path, "wb");
  if (!out) {
    perror(path);
    exit(1);
  }
  if (caplen > f->n)
    caplen = f->n;
  const uint8_t head[1 + FZ_RECORD_HEADER] = {0,
                                              (uint8_t)(caplen >> 8),
                                              (uint8_t)caplen,
                                              (uint8_t)(len >> 16),
                                              (uint8_t)(len >> 8),
                                              (uint8_t)len};
  fwrite(head, 1, sizeof(head), out);
  fwrite(f->b, 1, caplen, out);
  fclose(out);
}

static void hostile_tso(const char *dir) {
  struct fz_frame f = {.n = 0};
  eth(&f, 0x0800);
  ipv4(&f, 6, 5, 0);
  tcp(&f);
  fill(&f, 0x5a, 1400);
  emit(dir, "tso-whole", &f, f.n, (uint32_t)f.n);
  emit(dir, "tso-cut-64k", &f, 14 + 20 + 20, 14 + 20 + 20 + 64000);
  emit(dir, "big-tcp-cut", &f, 200, 14 + 20 + 20 + 185000);
  f.n = 0;
  eth(&f, 0x0800);
  ipv4(&f, 6, 15, 0); /* 60-byte header */
  f.n = 60;           /* 46 bytes from the IP header on */
  emit(dir, "tso-shorter-than-ihl", &f, f.n, (uint32_t)f.n);
}

static void hostile_wire_length(const char *dir) {
  struct fz_frame f = {.n = 0};
  eth(&f, 0x0800);
  ipv4(&f, 17, 5, 34);
  udp(&f, 14);
  fill(&f, 0, 6);
  emit(dir, "wire-length-at-bound", &f, f.n, 1u << 20);
  emit(dir, "wire-length-past-bound", &f, f.n, (1u << 20) + 1);
  emit(dir, "wire-length-max", &f, f.n, 0xffffff);
}

/* An IPv4 UDP datagram after whatever the frame holds. */
static void udp4_tail(struct fz_frame *f) {
  ipv4(f, 17, 5, 20 + 8 + 4);
  udp(f, 8 + 4);
  fill(f, 0, 4);
}

static void hostile_vlan(const char *dir, int tags, const char *name) {
  struct fz_frame f = {.n = 0};
  eth(&f, 0x8100);
  for (int i = 1; i <= tags; i++) {
    put16(&f, (uint16_t)i);
    put16(&f, i < tags ? 0x8100 : 0x0800);
  }
  udp4_tail(&f);
  emit(dir, name, &f, f.n, (uint32_t)f.n);
}

/* `labels` labels; the last is bottom-of-stack only if `bottom`. */
static void hostile_mpls(const char *dir, int labels, int bottom,
                         const char *name) {
  struct fz_frame f = {.n = 0};
  eth(&f, 0x8847);
  for (int i = 1; i <= labels; i++)
    put32(&f, (uint32_t)i << 12 | (i == labels && bottom ? 0x100 : 0) | 64);
  udp4_tail(&f);
  emit(dir, name, &f, f.n, (uint32_t)f.n);
}

static void hostile_ipv6_ext(const char *dir, int n, const char *name) {
  struct fz_frame f = {.n = 0};
  eth(&f, 0x86dd);
  ipv6(&f, 60, (uint16_t)(n * 8 + 8 + 4));
  for (int i = 1; i <= n; i++) {
    put8(&f, i < n ? 60 : 17); /* destination options, then UDP */
    put8(&f, 0);
    fill(&f, 1, 6);
  }
  udp(&f, 8 + 4);
  fill(&f, 0, 4);
  emit(dir, name, &f, f.n, (uint32_t)f.n);
}

void fz_write_hostile(const char *dir) {
  hostile_tso(dir);
  hostile_wire_length(dir);
  hostile_vlan(dir, 8, "vlan-8-tags");
  hostile_vlan(dir, 9, "vlan-9-tags");
  hostile_mpls(dir, 16, 1, "mpls-16-labels");
  hostile_mpls(dir, 16, 0, "mpls-16-labels-no-bottom");
  hostile_mpls(dir, 17, 1, "mpls-17-labels");
  hostile_ipv6_ext(dir, 16, "ipv6-16-ext");
  hostile_ipv6_ext(dir, 17, "ipv6-17-ext");
}
