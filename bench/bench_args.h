/* bench_args.h - the options the engine benchmarks share, into the
 * configuration of the source they run: -m MAXFLOWS and -l CIDR (as often
 * as needed). Header-only: each benchmark is built from its one .c file. */
#ifndef PCAPFLOW_BENCH_ARGS_H
#define PCAPFLOW_BENCH_ARGS_H

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "pcapflow/error.h"
#include "pcapflow/source.h"

/* Applies option OPT with argument ARG if it is a shared one: returns 1 if
 * it was, 0 if OPT is not shared; exits with status 2 (the message printed,
 * naming PROG) if ARG is bad. */
static inline int bench_source_option(const char *prog, int opt,
                                      const char *arg,
                                      struct pf_source_config *cfg) {
  char err[PF_ERR_MAX];
  struct pf_prefix p;
  switch (opt) {
  case 'm':
    cfg->shard.max_flows = (uint32_t)strtoul(arg, NULL, 10);
    return 1;
  case 'l':
    if (pf_prefix_parse(arg, &p, err, sizeof(err)) != 0 ||
        pf_localnet_add(&cfg->local, &p, err, sizeof(err)) != 0) {
      fprintf(stderr, "%s: -l: %s\n", prog, err);
      exit(2);
    }
    return 1;
  default:
    return 0;
  }
}

/* getopt(3) over OPTSTRING (which lists m: and l: too) that applies the
 * shared options itself: returns the next option that is not shared, or -1
 * at the end. */
static inline int bench_getopt(int argc, char **argv, const char *optstring,
                               const char *prog, struct pf_source_config *cfg) {
  int opt;
  while ((opt = getopt(argc, argv, optstring)) != -1)
    if (!bench_source_option(prog, opt, optarg, cfg))
      return opt;
  return -1;
}

#endif
