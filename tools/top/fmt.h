/* fmt.h - figures as a person reads them: three significant digits with an
 * SI prefix (1.23k, 45.6M), exact counts while they are short, rates with
 * their unit (1.20 kpps, 3.41 Mbit/s) and durations (850 us, 11.4 ms,
 * 1.21 s). ASCII only, so that every terminal and log shows them alike.
 * Unknown values (NaN) print as "-". */
#ifndef PCAPFLOW_TOP_FMT_H
#define PCAPFLOW_TOP_FMT_H

#include <stddef.h>

#define PFT_FIG_MAX 40

/* 0, 0.5, 12, 999, 1.23k, 12.3k, 123k, 1.23M ... (at most 5 characters). */
void pft_fmt_si(char out[PFT_FIG_MAX], double v);
/* A count: exact below 100000, else as pft_fmt_si. */
void pft_fmt_count(char out[PFT_FIG_MAX], double v);
/* pft_fmt_si with a space and unit: "1.20 kpps", "3.41 Mbit/s". */
void pft_fmt_rate(char out[PFT_FIG_MAX], double v, const char *unit);
/* Seconds: "850 us", "11.4 ms", "1.21 s". */
void pft_fmt_duration(char out[PFT_FIG_MAX], double seconds);
/* A share: "45%", "0.5%", "<0.1%". */
void pft_fmt_share(char out[PFT_FIG_MAX], double part, double whole);
/* An age in seconds: "3 s", "2 min", "1 h". */
void pft_fmt_age(char out[PFT_FIG_MAX], double seconds);

#endif
