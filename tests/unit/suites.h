/* suites.h - the check suites of the unit tests, one per engine piece, in
 * one table: each PF_SUITE(name) line declares pf_<name>_suite() (defined
 * in test_<name>.c) and registers it with the runner (main.c), in this
 * order. Adding a suite is adding its line. */
#ifndef PCAPFLOW_TESTS_UNIT_SUITES_H
#define PCAPFLOW_TESTS_UNIT_SUITES_H

#include <check.h>

/* The table: X is applied to every suite's name. */
#define PF_UNIT_SUITES(X)                                                      \
  X(bytes)                                                                     \
  X(decode)                                                                    \
  X(decode_link)                                                               \
  X(decode_malformed)                                                          \
  X(decode_truncation)                                                         \
  X(decode_lengths)                                                            \
  X(decode_fast)                                                               \
  X(counters)                                                                  \
  X(direction)                                                                 \
  X(localnet)                                                                  \
  X(localnet_trie)                                                             \
  X(flow_key)                                                                  \
  X(fanout_hash)                                                               \
  X(flow_probe)                                                                \
  X(flow_table)                                                                \
  X(flow_model)                                                                \
  X(flow_memory)                                                               \
  X(flow_tags)                                                                 \
  X(hash)                                                                      \
  X(slots)                                                                     \
  X(topn)                                                                      \
  X(top_batch)                                                                 \
  X(topn_bounds)                                                               \
  X(topn_ties)                                                                 \
  X(top_order)                                                                 \
  X(hll)                                                                       \
  X(top_names)                                                                 \
  X(shard)                                                                     \
  X(shard_queue)                                                               \
  X(shard_dns)                                                                 \
  X(dns_pending)                                                               \
  X(shard_tls)                                                                 \
  X(tls_resume)                                                                \
  X(tls_names)                                                                 \
  X(dns_framing)                                                               \
  X(source_report)                                                             \
  X(latency_hist)                                                              \
  X(tcp)                                                                       \
  X(time)                                                                      \
  X(epoch)                                                                     \
  X(epoch_list)                                                                \
  X(epoch_start)                                                               \
  X(flow_final_sweep)                                                          \
  X(syn_wait)                                                                  \
  X(syn_wait_model)                                                            \
  X(tcp_wraps)                                                                 \
  X(anomaly)                                                                   \
  X(anomaly_model)                                                             \
  X(rules_load)                                                                \
  X(rules_errors)                                                              \
  X(rules_classify)                                                            \
  X(rules_random)                                                              \
  X(rules_hostile)                                                             \
  X(rules_watch)                                                               \
  X(class_counters)                                                            \
  X(class_latency)                                                             \
  X(tcp_timing)                                                                \
  X(tcp_timing_long)                                                           \
  X(tcp_timing_jumps)                                                          \
  X(class_timing)                                                              \
  X(port_timing)                                                               \
  X(run_until)                                                                 \
  X(handle_file)                                                               \
  X(file_reader)                                                               \
  X(file_reader_source)                                                        \
  X(source_rules)                                                              \
  X(report_switches)                                                           \
  X(dns)                                                                       \
  X(dns_hostile)                                                               \
  X(dns_tcp)                                                                   \
  X(dns_names)                                                                 \
  X(tls)                                                                       \
  X(tls_hostile)                                                               \
  X(ptop_reply)                                                                \
  X(ptop_rate)                                                                 \
  X(ptop_fmt)                                                                  \
  X(ptop_poll)                                                                 \
  X(ptop_view)                                                                 \
  X(ptop_update)                                                               \
  /* add a suite above this line */

#define PF_SUITE_DECLARE(name) Suite *pf_##name##_suite(void);
PF_UNIT_SUITES(PF_SUITE_DECLARE)

#endif
