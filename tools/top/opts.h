/* opts.h - pcapflow-top's command line (docs/pcapflow-top.1). */
#ifndef PCAPFLOW_TOP_OPTS_H
#define PCAPFLOW_TOP_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "fail.h"

struct pft_opts {
  const char *socket;
  const char *host;   /* NULL: every host */
  const char *source; /* NULL: every source */
  double delay;       /* seconds between reads of collectd */
  double timeout;     /* seconds collectd may take to answer */
  bool batch;
  long count; /* screens in batch mode */
  int width;  /* of the batch mode's text; 0: the terminal's, else 80 */
  bool color;
  bool names; /* print the identifiers read, and exit */
  bool help;
};

/* Fills o from argv; on a bad option err names it and the value. */
int pft_opts_parse(struct pft_opts *o, int argc, char **argv,
                   char err[PFT_ERR_MAX]);
void pft_opts_usage(FILE *out);

#endif
