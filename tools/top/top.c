/* top.c - pcapflow-top: a live view of the traffic pcapflow measures, for a
 * person at a terminal (think iftop), read from a running collectd through
 * its unixsock plugin, the socket collectdctl uses. It needs no private
 * channel into the plugin, so it works against any collectd that loads
 * pcapflow and unixsock. docs/pcapflow-top.1 is its manual. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "names.h"
#include "sig.h"

static void pft_print_name(const char *id, void *ctx) {
  (void)ctx;
  printf("%s\n", id);
}

int main(int argc, char **argv) {
  static struct pft_app app;
  char err[PFT_ERR_MAX];
  if (pft_opts_parse(&app.o, argc, argv, err) != 0) {
    fprintf(stderr, "pcapflow-top: %s\n", err);
    return 2;
  }
  if (app.o.help) {
    pft_opts_usage(stdout);
    return 0;
  }
  if (app.o.names) {
    pft_names_each(pft_print_name, NULL);
    return 0;
  }
  if (!app.o.batch && (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)))
    app.o.batch = true; /* no terminal to take over: plain text */
  if (pft_store_init(&app.st) != 0) {
    fprintf(stderr, "pcapflow-top: out of memory\n");
    return 1;
  }
  app.filter = (struct pft_filter){app.o.host, app.o.source};
  int rc = app.o.batch ? pft_batch(&app) : pft_interactive(&app);
  pft_store_free(&app.st);
  pft_sig_reraise(); /* ended by a signal: say so */
  return rc;
}
