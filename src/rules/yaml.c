/* yaml.c - a rules file into one libyaml document, and every message
 * about it prefixed with the file, line and column. */
#include "rules/yaml.h"

#include <stdbool.h>
#include <stdint.h>

#include "pcapflow/rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- reading the file ---- */

int pf_rules_read_file(const char *path, char **text, size_t *len,
                       struct pf_rules_err *e) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return pf_rules_fail(e, "cannot open: %s", strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) != 0) {
    int saved = errno;
    fclose(f);
    return pf_rules_fail(e, "cannot stat: %s", strerror(saved));
  }
  if (!S_ISREG(st.st_mode)) {
    fclose(f);
    return pf_rules_fail(e, "not a regular file");
  }
  if ((uintmax_t)st.st_size > PF_RULES_MAX_FILE_BYTES) {
    fclose(f);
    return pf_rules_fail(e, "larger than %u MiB, the limit for a rules file",
                         PF_RULES_MAX_FILE_BYTES >> 20);
  }
  /* Read to the end rather than trust st_size: the file may be growing
   * while it is written; one byte past the limit is enough to refuse it. */
  size_t cap = (size_t)st.st_size + 1, n = 0;
  char *buf = malloc(cap + 1);
  if (!buf) {
    fclose(f);
    return pf_rules_fail(e, "out of memory reading the file");
  }
  for (;;) {
    if (n == cap) {
      if (cap > PF_RULES_MAX_FILE_BYTES)
        break;
      size_t grown_cap = cap * 2;
      char *grown = realloc(buf, grown_cap + 1);
      if (!grown) {
        free(buf);
        fclose(f);
        return pf_rules_fail(e, "out of memory reading the file");
      }
      buf = grown;
      cap = grown_cap;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0)
      break;
  }
  int failed = ferror(f);
  fclose(f);
  if (failed) {
    free(buf);
    return pf_rules_fail(e, "read error");
  }
  if (n > PF_RULES_MAX_FILE_BYTES) {
    free(buf);
    return pf_rules_fail(e, "larger than %u MiB, the limit for a rules file",
                         PF_RULES_MAX_FILE_BYTES >> 20);
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return 0;
}

/* ---- parsing ---- */

/* Deeper than the schema could ever be (it needs 4 levels). */
#define PF_RULES_MAX_DEPTH 16

/* libyaml's reader errors carry a byte offset, not a mark. */
static void pf_offset_position(const char *text, size_t len, size_t offset,
                               size_t *line0, size_t *col0) {
  *line0 = 0;
  *col0 = 0;
  for (size_t i = 0; i < offset && i < len; i++) {
    if (text[i] == '\n') {
      (*line0)++;
      *col0 = 0;
    } else {
      (*col0)++;
    }
  }
}

static int pf_yaml_error(const yaml_parser_t *p, const char *text, size_t len,
                         struct pf_rules_err *e) {
  const char *problem = p->problem ? p->problem : "unknown error";
  if (p->error == YAML_MEMORY_ERROR)
    return pf_rules_fail(e, "out of memory parsing YAML");
  if (p->error == YAML_READER_ERROR) {
    size_t line0, col0;
    pf_offset_position(text, len, p->problem_offset, &line0, &col0);
    if (p->problem_value != -1)
      return pf_rules_fail_at(e, line0, col0,
                              "malformed YAML: %s (byte 0x%02x)", problem,
                              (unsigned)p->problem_value & 0xff);
    return pf_rules_fail_at(e, line0, col0, "malformed YAML: %s", problem);
  }
  if (p->context)
    return pf_rules_fail_at(e, p->problem_mark.line, p->problem_mark.column,
                            "malformed YAML: %s (%s at line %zu, column %zu)",
                            problem, p->context, p->context_mark.line + 1,
                            p->context_mark.column + 1);
  return pf_rules_fail_at(e, p->problem_mark.line, p->problem_mark.column,
                          "malformed YAML: %s", problem);
}

/* libyaml's scanner slows down with the square of the nesting depth (a
 * 400 KB file of nested "[" takes minutes), and the schema never needs
 * more than 4 levels: a first pass over the events stops at the first
 * level too deep, long before that cost. It also reports malformed YAML. */
static int pf_yaml_check_depth(const char *text, size_t len,
                               struct pf_rules_err *e) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return pf_rules_fail(e, "out of memory parsing YAML");
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  int depth = 0, rc = 0;
  for (bool end = false; !end && rc == 0;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      rc = pf_yaml_error(&parser, text, len, e);
      break;
    }
    if (ev.type == YAML_SEQUENCE_START_EVENT ||
        ev.type == YAML_MAPPING_START_EVENT) {
      if (++depth > PF_RULES_MAX_DEPTH)
        rc = pf_rules_fail_at(e, ev.start_mark.line, ev.start_mark.column,
                              "lists and mappings nested more than %d deep; "
                              "a rules file needs 4",
                              PF_RULES_MAX_DEPTH);
    } else if (ev.type == YAML_SEQUENCE_END_EVENT ||
               ev.type == YAML_MAPPING_END_EVENT) {
      depth--;
    }
    end = ev.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  return rc;
}

int pf_rules_yaml_load(const char *text, size_t len, yaml_document_t *doc,
                       struct pf_rules_err *e) {
  if (pf_yaml_check_depth(text, len, e) != 0)
    return -1;
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return pf_rules_fail(e, "out of memory parsing YAML");
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

  if (!yaml_parser_load(&parser, doc)) {
    pf_yaml_error(&parser, text, len, e);
    yaml_parser_delete(&parser);
    return -1;
  }
  yaml_node_t *root = yaml_document_get_root_node(doc);
  if (!root) {
    yaml_document_delete(doc);
    yaml_parser_delete(&parser);
    return pf_rules_fail_at(e, 0, 0,
                            "the file is empty; expected a mapping with "
                            "\"local_networks\" and/or \"classes\"");
  }

  /* A second document would be ignored silently by a reader that stops
   * at the first; refuse it instead. */
  yaml_document_t next;
  if (!yaml_parser_load(&parser, &next)) {
    pf_yaml_error(&parser, text, len, e);
    yaml_document_delete(doc);
    yaml_parser_delete(&parser);
    return -1;
  }
  yaml_node_t *next_root = yaml_document_get_root_node(&next);
  if (next_root) {
    pf_rules_fail_at(e, next.start_mark.line, next.start_mark.column,
                     "a second YAML document; a rules file holds exactly one");
    yaml_document_delete(&next);
    yaml_document_delete(doc);
    yaml_parser_delete(&parser);
    return -1;
  }
  yaml_document_delete(&next);
  yaml_parser_delete(&parser);
  return 0;
}
