/* tls_ext.c - a hello's extensions: the list walked within its length,
 * the server name and the supported versions read (tls_ext.h). */
#include "app/tls_ext.h"

#include "app/tls_wire.h"

/* The host name, lower case and printable, a trailing dot dropped. */
static void pf_tls_copy_sni(const uint8_t *p, uint32_t n,
                            struct pf_tls_hello *out) {
  if (n > 1 && p[n - 1] == '.')
    n--;
  out->sni_hostname = true;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t c = p[i];
    if (c >= 'A' && c <= 'Z')
      c = (uint8_t)(c - 'A' + 'a');
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.'))
      out->sni_hostname = false;
    out->sni[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
  }
  out->sni[n] = '\0';
  out->sni_len = (uint8_t)n;
  out->has_sni = true;
}

/* server_name: a list of (type, name); the first host_name is taken. */
static enum pf_tls_result pf_tls_read_sni(const struct pf_bytes *d,
                                          struct pf_tls_hello *out) {
  uint16_t list_len, name_len;
  uint8_t type;
  uint32_t off = 2;
  if (!pf_get_u16(d, 0, &list_len) || list_len + 2u != d->len)
    return PF_TLS_E_SNI;
  while (off < d->len) { /* each turn takes at least 3 bytes */
    const uint8_t *name;
    if (!pf_get_u8(d, off, &type) || !pf_get_u16(d, off + 1, &name_len) ||
        !pf_get_span(d, off + 3, name_len, &name))
      return PF_TLS_E_SNI;
    off += 3u + name_len;
    if (type != PF_TLS_WIRE_SNI_HOST_NAME || out->has_sni)
      continue;
    if (name_len == 0 || name_len > PF_TLS_SNI_MAX)
      return PF_TLS_E_SNI;
    pf_tls_copy_sni(name, name_len, out);
  }
  return PF_TLS_OK;
}

/* One version offered or chosen. */
static void pf_tls_note_version(uint16_t v, struct pf_tls_hello *out) {
  uint8_t bit = pf_tls_version_bit(v);
  if (bit == 0)
    return; /* GREASE */
  out->offered |= bit;
  if (v > out->version || !out->has_versions)
    out->version = v;
  out->has_versions = true;
}

/* supported_versions: a client's list (a length byte, two bytes each), or
 * the server's one choice. */
static enum pf_tls_result pf_tls_read_versions(const struct pf_bytes *d,
                                               struct pf_tls_hello *out) {
  uint16_t v;
  uint8_t n;
  if (out->type == PF_TLS_WIRE_SERVER_HELLO) {
    if (d->len != 2 || !pf_get_u16(d, 0, &v))
      return PF_TLS_E_VERSIONS;
    out->version = v;
    out->has_versions = true;
    return PF_TLS_OK;
  }
  if (!pf_get_u8(d, 0, &n) || n == 0 || n % 2 || n + 1u != d->len)
    return PF_TLS_E_VERSIONS;
  out->offered = 0;
  for (uint32_t off = 1; off < d->len && pf_get_u16(d, off, &v); off += 2)
    pf_tls_note_version(v, out);
  return PF_TLS_OK;
}

static enum pf_tls_result pf_tls_read_one(uint16_t type,
                                          const struct pf_bytes *d,
                                          struct pf_tls_hello *out) {
  if (type == PF_TLS_WIRE_EXT_SERVER_NAME &&
      out->type == PF_TLS_WIRE_CLIENT_HELLO)
    return pf_tls_read_sni(d, out);
  if (type == PF_TLS_WIRE_EXT_SUPPORTED_VERSIONS && !out->has_versions)
    return pf_tls_read_versions(d, out);
  return PF_TLS_OK;
}

/* The extension at the cursor: its type and data, the cursor past it. */
static enum pf_tls_result pf_tls_next_extension(struct pf_tls_cursor *c,
                                                uint16_t *type,
                                                struct pf_bytes *data) {
  const struct pf_tls_wire_extension *e;
  enum pf_tls_result r =
      pf_tls_need(c, (uint32_t)sizeof(*e), PF_TLS_E_EXTENSIONS);
  if (r != PF_TLS_OK || !pf_get_hdr(&c->at_hand, c->off, &e))
    return r != PF_TLS_OK ? r : PF_TLS_PARTIAL;
  c->off += (uint32_t)sizeof(*e);
  uint32_t len = pf_be16(e->length);
  r = pf_tls_need(c, len, PF_TLS_E_EXTENSIONS);
  if (r != PF_TLS_OK || !pf_get_sub(&c->at_hand, c->off, len, data))
    return r != PF_TLS_OK ? r : PF_TLS_PARTIAL;
  c->off += len;
  *type = pf_be16(e->type);
  return PF_TLS_OK;
}

enum pf_tls_result pf_tls_read_extensions(struct pf_tls_cursor *c,
                                          struct pf_tls_hello *out) {
  uint32_t list_len;
  uint16_t type;
  struct pf_bytes data;
  enum pf_tls_result r = pf_tls_take_len(c, 2, &list_len, PF_TLS_E_LENGTH);
  if (r != PF_TLS_OK)
    return r;
  if (c->off + list_len != c->end)
    return PF_TLS_E_LENGTH;
  /* Each turn takes at least an extension's 4-byte header. */
  while (r == PF_TLS_OK && c->off < c->end) {
    r = pf_tls_next_extension(c, &type, &data);
    if (r == PF_TLS_OK) {
      out->extensions++;
      r = pf_tls_read_one(type, &data, out);
    }
  }
  return r;
}
