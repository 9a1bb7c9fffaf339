/* fuzz_config.c - libFuzzer harness: configuration trees built from the
 * input (collectd.conf syntax, config_tree.h) through the plugin's parser,
 * plugin/pcapflow_config.c, then into engine sources and freed again, as
 * the plugin's config, init and shutdown callbacks would (without starting
 * capture threads).
 *
 * Top-level `<Plugin ...>` blocks are handed over one by one, as collectd
 * does with several <Plugin pcapflow> blocks; other top-level items form
 * one more block. LeakSanitizer checks that everything is freed, on every
 * error path too. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "config_tree.h"
#include "pcapflow/source.h"
#include "pcapflow_config.h"

static int fz_thread_create(pthread_t *thread, void *(*start)(void *),
                            void *arg, const char *name) {
  (void)thread, (void)start, (void)arg, (void)name;
  abort(); /* sources are never started here */
}

static const struct pf_hooks fz_hooks = {.thread_create = fz_thread_create};

/* Creates and frees an engine source per parsed source, as init and
 * shutdown do; ownership moves from the config to the source and back. */
static void fz_make_sources(struct pcapflow_config *conf) {
  for (size_t i = 0; i < conf->n_sources; i++) {
    char err[1024];
    struct pf_source *src;
    if (pf_source_new(&conf->sources[i], &fz_hooks, &src, err, sizeof(err)) ==
        0)
      pf_source_free(src);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  oconfig_item_t *root = fz_config_tree((const char *)data, size);
  if (!root)
    return 0;
  struct pcapflow_config conf = {0};
  oconfig_item_t rest = *root;
  rest.children_num = 0;
  int failed = 0;
  for (int i = 0; i < root->children_num; i++) {
    oconfig_item_t *ci = &root->children[i];
    if (strcasecmp(ci->key, "Plugin") == 0 && ci->children_num > 0)
      failed |= pcapflow_config_parse(&conf, ci) != 0;
    else
      rest.children_num++;
  }
  /* The loose items, in their order, as one more block. */
  if (rest.children_num > 0) {
    rest.children = calloc((size_t)rest.children_num, sizeof(*rest.children));
    if (!rest.children)
      abort();
    int n = 0;
    for (int i = 0; i < root->children_num; i++) {
      oconfig_item_t *ci = &root->children[i];
      if (!(strcasecmp(ci->key, "Plugin") == 0 && ci->children_num > 0))
        rest.children[n++] = *ci;
    }
    failed |= pcapflow_config_parse(&conf, &rest) != 0;
    free(rest.children);
  }
  if (!failed)
    fz_make_sources(&conf);
  pcapflow_config_free(&conf);
  fz_config_tree_free(root);
  return 0;
}
