/* fetch.h - one round of reading collectd's pcapflow values over its unixsock
 * socket into the store: LISTVAL, then GETVAL for every series whose time
 * changed, checked against a second LISTVAL so that a value collectd
 * replaced while it was being read is never paired with the wrong time. */
#ifndef PCAPFLOW_TOP_FETCH_H
#define PCAPFLOW_TOP_FETCH_H

#include "store.h"
#include "usock.h"

struct pft_filter {
  const char *host;   /* NULL: any */
  const char *source; /* NULL: any */
};

/* Connects, reads, disconnects. PFT_OK, PFT_FAILED (err says why) or
 * PFT_INTERRUPTED; values read before a failure are not applied. */
int pft_poll(struct pft_store *st, struct pft_usock *u,
             const struct pft_filter *f, char err[PFT_ERR_MAX]);

#endif
