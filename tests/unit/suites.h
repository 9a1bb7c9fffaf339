/* suites.h - the check suites of the unit tests, one per engine piece. */
#ifndef PCAPFLOW_TESTS_UNIT_SUITES_H
#define PCAPFLOW_TESTS_UNIT_SUITES_H

#include <check.h>

Suite *pf_decode_suite(void);
Suite *pf_decode_link_suite(void);
Suite *pf_decode_malformed_suite(void);
Suite *pf_decode_truncation_suite(void);
Suite *pf_counters_suite(void);
Suite *pf_direction_suite(void);
Suite *pf_localnet_suite(void);
Suite *pf_flow_key_suite(void);
Suite *pf_flow_table_suite(void);
Suite *pf_flow_model_suite(void);
Suite *pf_hash_suite(void);
Suite *pf_topn_suite(void);
Suite *pf_top_batch_suite(void);
Suite *pf_hll_suite(void);
Suite *pf_top_names_suite(void);
Suite *pf_shard_suite(void);
Suite *pf_shard_queue_suite(void);
Suite *pf_source_report_suite(void);
Suite *pf_latency_hist_suite(void);
Suite *pf_tcp_suite(void);
Suite *pf_anomaly_suite(void);
Suite *pf_rules_load_suite(void);
Suite *pf_rules_errors_suite(void);
Suite *pf_rules_classify_suite(void);
Suite *pf_rules_random_suite(void);
Suite *pf_class_counters_suite(void);
Suite *pf_class_latency_suite(void);
Suite *pf_source_rules_suite(void);
Suite *pf_ptop_reply_suite(void);
Suite *pf_ptop_rate_suite(void);
Suite *pf_ptop_fmt_suite(void);
Suite *pf_ptop_poll_suite(void);
Suite *pf_ptop_view_suite(void);

#endif
