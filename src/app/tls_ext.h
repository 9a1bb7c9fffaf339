/* tls_ext.h - the extensions of a hello (RFC 8446 4.2): the list walked,
 * server_name (RFC 6066 3) and supported_versions (RFC 8446 4.2.1) read. */
#ifndef PCAPFLOW_APP_TLS_EXT_H
#define PCAPFLOW_APP_TLS_EXT_H

#include "app/tls.h"
#include "app/tls_cursor.h"

/* The extension list at the cursor, which must end at c->end. out->type
 * says whose hello it is. */
enum pf_tls_result pf_tls_read_extensions(struct pf_tls_cursor *c,
                                          struct pf_tls_hello *out);

#endif
