/* fmt.c - figures with human units (fmt.h). */
#include <math.h>
#include <stdio.h>

#include "fmt.h"

/* v as three significant digits (at most 5 characters) and the SI prefix
 * they are in ("" for none). False for a value that has no figure. */
#define PFT_NUM_MAX 16

static int pft_si_parts(double v, char num[PFT_NUM_MAX], const char **prefix) {
  static const char *const prefixes[] = {"", "k", "M", "G", "T", "P", "E"};
  size_t p = 0;
  if (!(v >= 0) || isinf(v))
    return 0;
  while (v >= 999.5 && p + 1 < sizeof prefixes / sizeof *prefixes) {
    v /= 1000;
    p++;
  }
  *prefix = prefixes[p];
  if (v == 0)
    snprintf(num, PFT_NUM_MAX, "0");
  else if (v < 0.005)
    snprintf(num, PFT_NUM_MAX, "<0.01");
  else if (v < 9.995)
    snprintf(num, PFT_NUM_MAX, "%.2f", v);
  else if (v < 99.95)
    snprintf(num, PFT_NUM_MAX, "%.1f", v);
  else
    snprintf(num, PFT_NUM_MAX, "%.0f", v);
  return 1;
}

void pft_fmt_si(char out[PFT_FIG_MAX], double v) {
  char num[PFT_NUM_MAX];
  const char *prefix;
  if (!pft_si_parts(v, num, &prefix))
    snprintf(out, PFT_FIG_MAX, "-");
  else
    snprintf(out, PFT_FIG_MAX, "%s%s", num, prefix);
}

void pft_fmt_count(char out[PFT_FIG_MAX], double v) {
  if (v >= 0 && v < 99999.5)
    snprintf(out, PFT_FIG_MAX, "%.0f", v);
  else
    pft_fmt_si(out, v);
}

void pft_fmt_rate(char out[PFT_FIG_MAX], double v, const char *unit) {
  char num[PFT_NUM_MAX];
  const char *prefix;
  if (!pft_si_parts(v, num, &prefix))
    snprintf(out, PFT_FIG_MAX, "- %s", unit);
  else
    snprintf(out, PFT_FIG_MAX, "%s %s%s", num, prefix, unit);
}

/* Three significant digits of v in a unit. */
static void pft_fmt_digits(char out[PFT_FIG_MAX], double v, const char *unit) {
  if (v < 9.995)
    snprintf(out, PFT_FIG_MAX, "%.2f %s", v, unit);
  else if (v < 99.95)
    snprintf(out, PFT_FIG_MAX, "%.1f %s", v, unit);
  else
    snprintf(out, PFT_FIG_MAX, "%.0f %s", v, unit);
}

void pft_fmt_duration(char out[PFT_FIG_MAX], double s) {
  if (!(s >= 0) || isinf(s))
    snprintf(out, PFT_FIG_MAX, "-");
  else if (s < 0.0009995)
    pft_fmt_digits(out, s * 1e6, "us");
  else if (s < 0.9995)
    pft_fmt_digits(out, s * 1e3, "ms");
  else
    pft_fmt_digits(out, s, "s");
}

void pft_fmt_share(char out[PFT_FIG_MAX], double part, double whole) {
  double pc = whole > 0 ? 100 * part / whole : NAN;
  if (!(pc >= 0))
    snprintf(out, PFT_FIG_MAX, "-");
  else if (pc == 0)
    snprintf(out, PFT_FIG_MAX, "0%%");
  else if (pc < 0.095)
    snprintf(out, PFT_FIG_MAX, "<0.1%%");
  else if (pc < 9.95)
    snprintf(out, PFT_FIG_MAX, "%.1f%%", pc);
  else
    snprintf(out, PFT_FIG_MAX, "%.0f%%", pc);
}

void pft_fmt_age(char out[PFT_FIG_MAX], double s) {
  if (!(s >= 0))
    snprintf(out, PFT_FIG_MAX, "-");
  else if (s < 90)
    snprintf(out, PFT_FIG_MAX, "%.0f s", s);
  else if (s < 90 * 60)
    snprintf(out, PFT_FIG_MAX, "%.0f min", s / 60);
  else
    snprintf(out, PFT_FIG_MAX, "%.0f h", s / 3600);
}
