/* reply.c - parsing the unixsock replies pcapflow-top reads (reply.h). Every
 * field is checked: a line that is not what collectd 5 sends is refused,
 * never half-read. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

bool pft_parse_status(const char *line, long *status, const char **message) {
  char *end;
  errno = 0;
  long v = strtol(line, &end, 10);
  if (end == line || errno != 0 || (*end != ' ' && *end != '\0'))
    return false;
  *status = v;
  *message = *end == ' ' ? end + 1 : end;
  return true;
}

bool pft_parse_listval(const char *line, double *time, const char **ident) {
  char *end;
  double t = strtod(line, &end);
  if (end == line || *end != ' ' || !isfinite(t) || t < 0)
    return false;
  if (end[1] == '\0' || strlen(end + 1) >= PFT_IDENT_MAX)
    return false;
  *time = t;
  *ident = end + 1;
  return true;
}

bool pft_parse_value(const char *line, double *value) {
  const char *eq = strchr(line, '=');
  if (eq == NULL || eq == line || eq[1] == '\0')
    return false;
  char *end;
  double v = strtod(eq + 1, &end);
  if (end == eq + 1 || *end != '\0')
    return false;
  *value = v;
  return true;
}

/* Splits "name[-instance]" at its first '-'. */
static void pft_split_instance(char *field, const char **name,
                               const char **instance) {
  char *dash = strchr(field, '-');
  *name = field;
  *instance = "";
  if (dash != NULL) {
    *dash = '\0';
    *instance = dash + 1;
  }
}

bool pft_parse_ident(const char *ident, struct pft_ident *out) {
  size_t len = strlen(ident);
  if (len >= sizeof out->buf)
    return false;
  memcpy(out->buf, ident, len + 1);
  char *plugin = strchr(out->buf, '/');
  char *type = plugin ? strchr(plugin + 1, '/') : NULL;
  if (plugin == NULL || type == NULL || strchr(type + 1, '/') != NULL)
    return false;
  *plugin++ = '\0';
  *type++ = '\0';
  if (out->buf[0] == '\0' || *plugin == '\0' || *type == '\0')
    return false;
  out->host = out->buf;
  pft_split_instance(plugin, &out->plugin, &out->plugin_instance);
  pft_split_instance(type, &out->type, &out->type_instance);
  return out->plugin[0] != '\0' && out->type[0] != '\0';
}
