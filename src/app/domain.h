/* domain.h - the registered domain of a name ("www.example.co.uk" ->
 * "example.co.uk"): what the top queried domains are counted by, so that
 * the many host names of one site fall on one key.
 *
 * The Public Suffix List (about 10,000 rules, changed weekly) is not
 * compiled in. The rule is the list's own default ("*": the last label is
 * the suffix), with one compact exception that covers most of the rest of
 * what is seen in practice: under a two-letter country code, a
 * second-level label from a short list of generic ones (co, com, net, org,
 * ac, edu, gov, ...: co.uk, com.au, co.jp, com.br, gov.in) is part of the
 * suffix, as are the few other two-label suffixes in domain.c (the reverse
 * lookup zones in-addr.arpa and ip6.arpa among them). So the registered
 * domain is the last two labels, or three under such a suffix.
 *
 * Its limits, stated: deeper ICANN suffixes (city.kawasaki.jp, the
 * *.ck style wildcards), the PSL's private section (github.io,
 * s3.amazonaws.com: their customers' names fall on the operator's domain,
 * which for monitoring is what one wants to see anyway) and country codes
 * whose second level is not generic (ltd.uk is, pvt.k12.ma.us is not) give
 * a suffix one label too short or too long. The key is then still stable
 * and bounded; only its level differs. */
#ifndef PCAPFLOW_APP_DOMAIN_H
#define PCAPFLOW_APP_DOMAIN_H

#include <stdint.h>

/* Where in name (len bytes of dotted text, lower case, no trailing dot, as
 * dns.h and tls.h write it) its registered domain starts: 0 for names of
 * one or two labels, else the offset just past a dot. */
uint32_t pf_domain_registered(const char *name, uint32_t len);

#endif
