/* gen_tcp.h - the tcp scenario: scripted TCP connections whose health
 * (handshake latency, retransmissions, reordering, zero windows, resets,
 * unanswered SYNs, late starts) the generator knows because it built them. */
#ifndef PCAPFLOW_GEN_TCP_H
#define PCAPFLOW_GEN_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "gen_frame.h"

/* 110 connections, one after the other, 10 of each of 11 kinds. */
void gen_scenario_tcp(struct gen *g);

/* A SYN flood (3000 spoofed SYNs to 198.18.0.80 port 80), a port scan
 * (198.19.9.9 to 1000 ports of 198.18.0.90) and 20 ordinary connections. */
void gen_scenario_attack(struct gen *g);

/* Latency truth, as the engine reports it (docs/METRICS.md, "TCP health"):
 * sorts n samples, and the nearest-rank percentile of sorted ones (the
 * ceil(p * n)-th smallest, p in thousandths). */
void gen_sort_u64(uint64_t *v, size_t n);
uint64_t gen_nearest_rank(const uint64_t *sorted, size_t n, unsigned p);

#endif
