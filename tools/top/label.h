/* label.h - top-N keys as a person writes them: the plugin names a host
 * 198_18_0_0_24 (docs/METRICS.md, "Top N") so that every writer keeps the
 * name; the view shows 198.18.0.0/24, tcp/443 and
 * "tcp 198.18.0.1:51234 <> 198.19.0.2:443". A key that does not read as
 * the plugin writes them is shown as it is. */
#ifndef PCAPFLOW_TOP_LABEL_H
#define PCAPFLOW_TOP_LABEL_H

#include <stddef.h>

#include "names.h"

void pft_label(char *out, size_t room, enum pft_key_kind kind, const char *key);

#endif
