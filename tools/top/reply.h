/* reply.h - the lines of collectd's unixsock text protocol
 * (collectd-unixsock(5)) that pcapflow-top reads: status lines, LISTVAL
 * lines and GETVAL values, and identifiers split into their five parts.
 * Pure functions over one line each; nothing here does I/O. */
#ifndef PCAPFLOW_TOP_REPLY_H
#define PCAPFLOW_TOP_REPLY_H

#include <stdbool.h>

/* collectd's identifiers are at most 5 fields of DATA_MAX_NAME_LEN (128)
 * each; a longer line is no reply of a collectd 5. */
#define PFT_IDENT_MAX 640
#define PFT_LINE_MAX 1024
#define PFT_MAX_VALUES 2

/* "<status> <message>": the status (lines that follow, or < 0 for an error);
 * message points into line. False when the line is no status line. */
bool pft_parse_status(const char *line, long *status, const char **message);

/* "<epoch time> <identifier>" of LISTVAL. */
bool pft_parse_listval(const char *line, double *time, const char **ident);

/* "<data source>=<value>" of GETVAL; NaN ("NaN") is a value. */
bool pft_parse_value(const char *line, double *value);

/* host/plugin[-plugin_instance]/type[-type_instance], split in place of a
 * copy: missing instances are "". */
struct pft_ident {
  char buf[PFT_IDENT_MAX];
  const char *host, *plugin, *plugin_instance, *type, *type_instance;
};
bool pft_parse_ident(const char *ident, struct pft_ident *out);

#endif
