/* opts.c - parsing pcapflow-top's options (opts.h): each value is checked
 * against its range, and a bad one is named with the option. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "usock.h"

void pft_opts_usage(FILE *out) {
  fprintf(out,
          "usage: pcapflow-top [-b [-n COUNT] [-w WIDTH]] [-s SOCKET] "
          "[-H HOST] [-i SOURCE]\n"
          "                    [-d SECONDS] [-t SECONDS] [-C] [--names]\n"
          "Shows the traffic pcapflow measures, read from a running "
          "collectd through its\nunixsock plugin: rates now and totals "
          "since the start, by protocol, size,\nservice, host and class, "
          "TCP health and capture health.\n"
          "  -s SOCKET   collectd's unixsock SocketFile (default %s)\n"
          "  -H HOST     only this host's sources\n"
          "  -i SOURCE   only this source (pcapflow's plugin_instance)\n"
          "  -d SECONDS  read collectd every SECONDS (default 1; below half "
          "its Interval,\n              the totals see every update)\n"
          "  -t SECONDS  wait at most SECONDS for an answer (default 5)\n"
          "  -b          batch: print screens as plain text, no keys\n"
          "  -n COUNT    batch: print COUNT screens, one per collectd update "
          "(default 1)\n"
          "  -w WIDTH    batch: columns (default 80)\n"
          "  -C          no colours (also when NO_COLOR is set, or stdout is "
          "no terminal)\n"
          "  --names     print the collectd identifiers read, and exit\n"
          "Keys: q quits, n and p show the next and previous source.\n",
          PFT_DEFAULT_SOCKET);
}

static int pft_opt_seconds(const char *opt, const char *arg, double lo,
                           double hi, double *out, char err[PFT_ERR_MAX]) {
  char *end;
  errno = 0;
  double v = strtod(arg, &end);
  if (end == arg || *end != '\0' || errno != 0 || !(v >= lo && v <= hi))
    return pft_err(err, "%s: \"%s\" is not a number of seconds from %g to %g",
                   opt, arg, lo, hi);
  *out = v;
  return 0;
}

static int pft_opt_long(const char *opt, const char *arg, long lo, long hi,
                        long *out, char err[PFT_ERR_MAX]) {
  char *end;
  errno = 0;
  long v = strtol(arg, &end, 10);
  if (end == arg || *end != '\0' || errno != 0 || v < lo || v > hi)
    return pft_err(err, "%s: \"%s\" is not a whole number from %ld to %ld", opt,
                   arg, lo, hi);
  *out = v;
  return 0;
}

static int pft_opt_name(const char *opt, const char *arg, const char **out,
                        char err[PFT_ERR_MAX]) {
  if (arg[0] == '\0' || strlen(arg) >= 128 || strchr(arg, '/') != NULL)
    return pft_err(err,
                   "%s: \"%s\" is no collectd name (1 to 127 "
                   "characters, no '/')",
                   opt, arg);
  *out = arg;
  return 0;
}

static int pft_opt_one(struct pft_opts *o, int c, const char *arg,
                       char err[PFT_ERR_MAX]) {
  long width = 0;
  int rc = 0;
  switch (c) {
  case 's':
    o->socket = arg;
    break;
  case 'H':
    return pft_opt_name("-H", arg, &o->host, err);
  case 'i':
    return pft_opt_name("-i", arg, &o->source, err);
  case 'd':
    return pft_opt_seconds("-d", arg, 0.1, 3600, &o->delay, err);
  case 't':
    return pft_opt_seconds("-t", arg, 0.1, 600, &o->timeout, err);
  case 'n':
    return pft_opt_long("-n", arg, 1, 1000000, &o->count, err);
  case 'w':
    rc = pft_opt_long("-w", arg, 40, 320, &width, err);
    o->width = (int)width;
    return rc;
  case 'b':
    o->batch = true;
    break;
  case 'C':
    o->color = false;
    break;
  case 'N':
    o->names = true;
    break;
  case 'h':
    o->help = true;
    break;
  }
  return 0;
}

int pft_opts_parse(struct pft_opts *o, int argc, char **argv,
                   char err[PFT_ERR_MAX]) {
  static const struct option longs[] = {
      {"socket", required_argument, NULL, 's'},
      {"host", required_argument, NULL, 'H'},
      {"source", required_argument, NULL, 'i'},
      {"delay", required_argument, NULL, 'd'},
      {"timeout", required_argument, NULL, 't'},
      {"batch", no_argument, NULL, 'b'},
      {"count", required_argument, NULL, 'n'},
      {"width", required_argument, NULL, 'w'},
      {"no-color", no_argument, NULL, 'C'},
      {"names", no_argument, NULL, 'N'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *no_color = getenv("NO_COLOR");
  *o = (struct pft_opts){.socket = PFT_DEFAULT_SOCKET,
                         .delay = 1,
                         .timeout = 5,
                         .count = 1,
                         .color = no_color == NULL || no_color[0] == '\0'};
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":s:H:i:d:t:bn:w:Ch", longs, NULL)) !=
         -1) {
    if ((c == '?' || c == ':') && optopt != 0)
      return pft_err(err, "-%c: %s", optopt,
                     c == ':' ? "needs a value" : "unknown option");
    if (c == '?' || c == ':')
      return pft_err(err, "%s: %s", argv[optind - 1],
                     c == ':' ? "needs a value" : "unknown option");
    if (pft_opt_one(o, c, optarg, err) != 0)
      return -1;
  }
  if (optind < argc)
    return pft_err(err, "\"%s\": pcapflow-top takes no arguments but options",
                   argv[optind]);
  return 0;
}
