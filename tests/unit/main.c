/* main.c - runs every unit test suite; exits non-zero if any test fails. */
#include <stdlib.h>

#include "suites.h"

int main(void) {
  SRunner *runner = srunner_create(pf_decode_suite());
  srunner_add_suite(runner, pf_decode_link_suite());
  srunner_add_suite(runner, pf_decode_malformed_suite());
  srunner_add_suite(runner, pf_decode_truncation_suite());
  srunner_add_suite(runner, pf_counters_suite());
  srunner_add_suite(runner, pf_direction_suite());
  srunner_add_suite(runner, pf_localnet_suite());
  srunner_add_suite(runner, pf_flow_key_suite());
  srunner_add_suite(runner, pf_flow_table_suite());
  srunner_add_suite(runner, pf_flow_model_suite());
  srunner_add_suite(runner, pf_hash_suite());
  srunner_add_suite(runner, pf_topn_suite());
  srunner_add_suite(runner, pf_top_batch_suite());
  srunner_add_suite(runner, pf_hll_suite());
  srunner_add_suite(runner, pf_top_names_suite());
  srunner_add_suite(runner, pf_shard_suite());
  srunner_add_suite(runner, pf_shard_queue_suite());
  srunner_add_suite(runner, pf_source_report_suite());
  srunner_add_suite(runner, pf_latency_hist_suite());
  srunner_add_suite(runner, pf_tcp_suite());
  srunner_add_suite(runner, pf_anomaly_suite());
  srunner_add_suite(runner, pf_rules_load_suite());
  srunner_add_suite(runner, pf_rules_errors_suite());
  srunner_add_suite(runner, pf_rules_classify_suite());
  srunner_add_suite(runner, pf_rules_random_suite());
  srunner_add_suite(runner, pf_class_counters_suite());
  srunner_add_suite(runner, pf_class_latency_suite());
  srunner_add_suite(runner, pf_source_rules_suite());
  srunner_add_suite(runner, pf_ptop_reply_suite());
  srunner_add_suite(runner, pf_ptop_rate_suite());
  srunner_add_suite(runner, pf_ptop_fmt_suite());
  srunner_add_suite(runner, pf_ptop_poll_suite());
  srunner_add_suite(runner, pf_ptop_view_suite());

  /* CK_VERBOSITY and CK_FORK from the environment decide the rest. */
  srunner_run_all(runner, CK_ENV);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
