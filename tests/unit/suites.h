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

#endif
