# collectd-pcapflow: every entry point. `make help` lists the targets.

CC        ?= cc
CFLAGS    ?= -O2 -g
WARNINGS  := -Wall -Wextra -Werror
BASEFLAGS := -std=gnu11 -D_GNU_SOURCE -pthread -fPIC $(WARNINGS)
COLLECTD_INC ?= /usr/include/collectd
COLLECTD_FLAGS := -DHAVE_CONFIG_H -I$(COLLECTD_INC) -I$(COLLECTD_INC)/core \
                  -I$(COLLECTD_INC)/core/daemon
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt)
SANITIZE  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

B := build
ENGINE_SRC := $(wildcard src/*.c)
ENGINE_HDR := $(wildcard include/pcapflow/*.h src/*.h)
ENGINE_OBJ := $(ENGINE_SRC:src/%.c=$(B)/engine/%.o)
# What every program linked with the engine needs.
ENGINE_LIBS := -lpcap -lyaml -lm
PLUGIN_SRC := $(wildcard plugin/*.c)
PLUGIN_OBJ := $(PLUGIN_SRC:plugin/%.c=$(B)/plugin/%.o)
UNIT_SRC   := $(wildcard tests/unit/*.c)
GEN_SRC    := $(wildcard tests/gen/*.c)

PREFIX  ?= /usr
LIBDIR  ?= $(PREFIX)/lib/collectd
CONFDIR ?= /etc/collectd/collectd.conf.d

.PHONY: all deps run check unit unit-asan integration bench install format clean help

all: $(B)/pcapflow.so $(B)/pcapflow-replay $(B)/pcapflow-gen ## build the plugin and its tools

help: ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | \
	  awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

deps: ## install missing Debian packages (build, test, run)
	@scripts/deps.sh

# ---- build ----

$(B)/engine/%.o: src/%.c $(ENGINE_HDR) | $(B)/engine
	$(CC) $(BASEFLAGS) $(CFLAGS) -Iinclude -Isrc -c $< -o $@

$(B)/plugin/%.o: plugin/%.c plugin/*.h $(ENGINE_HDR) | $(B)/plugin
	$(CC) $(BASEFLAGS) $(CFLAGS) $(COLLECTD_FLAGS) -Iinclude -Iplugin -c $< -o $@

$(B)/libpcapflow.a: $(ENGINE_OBJ)
	$(AR) rcs $@ $^

$(B)/pcapflow.so: $(PLUGIN_OBJ) $(B)/libpcapflow.a plugin/pcapflow.map Makefile
	$(CC) -shared -pthread $(LDFLAGS) -Wl,--version-script=plugin/pcapflow.map \
	  -o $@ $(PLUGIN_OBJ) $(B)/libpcapflow.a $(ENGINE_LIBS)

$(B)/pcapflow-replay: src/tools/replay.c $(B)/libpcapflow.a
	$(CC) $(BASEFLAGS) $(CFLAGS) -Iinclude -o $@ $< $(B)/libpcapflow.a $(ENGINE_LIBS)

# The generator hashes flow keys with the engine's own pf_hash_bytes (the
# collide scenario searches for keys that share a bucket under a known seed).
$(B)/pcapflow-gen: $(GEN_SRC) $(wildcard tests/gen/*.h) tests/known_seed/known_seed.h $(B)/libpcapflow.a
	$(CC) -std=c11 $(WARNINGS) $(CFLAGS) -Iinclude -Itests/known_seed -o $@ $(GEN_SRC) \
	  $(B)/libpcapflow.a -pthread

$(B) $(B)/engine $(B)/plugin:
	mkdir -p $@

# ---- tests ----

$(B)/unit-tests: $(UNIT_SRC) $(wildcard tests/unit/*.h) $(B)/libpcapflow.a
	$(CC) $(BASEFLAGS) $(CFLAGS) -Iinclude -Isrc -Itests/unit -o $@ $(UNIT_SRC) \
	  $(B)/libpcapflow.a $(ENGINE_LIBS) $(CHECK_LIBS)

# The same tests, engine and all, under AddressSanitizer and UBSan.
$(B)/unit-tests-asan: $(UNIT_SRC) $(wildcard tests/unit/*.h) $(ENGINE_SRC) $(ENGINE_HDR) | $(B)
	$(CC) $(BASEFLAGS) -O1 -g $(SANITIZE) -Iinclude -Isrc -Itests/unit -o $@ \
	  $(UNIT_SRC) $(ENGINE_SRC) $(ENGINE_LIBS) $(CHECK_LIBS)

unit: $(B)/unit-tests ## run the unit tests
	$(B)/unit-tests

unit-asan: $(B)/unit-tests-asan ## run the unit tests under ASan + UBSan
	CK_FORK=no ASAN_OPTIONS=detect_leaks=1 $(B)/unit-tests-asan

integration: all ## run the tests with real collectd daemons and captures
	tests/integration/run_all.sh

# Fragments in mk/ add targets of their own, and may add steps to `check`
# with CHECK_STEPS += target.
CHECK_STEPS := unit unit-asan integration
-include mk/*.mk

check: deps ## install what is missing, build, run every test
	$(MAKE) all
	$(MAKE) $(CHECK_STEPS)

# ---- run ----

run: deps ## install what is missing, build, run collectd with the plugin in the foreground
	$(MAKE) all
	scripts/run.sh

# ---- install ----

install: $(B)/pcapflow.so ## install the plugin and example configuration (DESTDIR, PREFIX)
	install -D -m 0644 $(B)/pcapflow.so $(DESTDIR)$(LIBDIR)/pcapflow.so
	install -D -m 0644 collectd.conf.d/pcapflow.conf $(DESTDIR)$(CONFDIR)/pcapflow.conf.example
	install -D -m 0644 collectd.conf.d/pcapflow.yaml $(DESTDIR)$(CONFDIR)/pcapflow.yaml.example

# The generator keeps its one-case-per-line tables, so it is not formatted.
format: ## clang-format the engine, adapter and unit tests in place
	clang-format -i --style=LLVM $(ENGINE_SRC) $(ENGINE_HDR) $(PLUGIN_SRC) \
	  plugin/*.h src/tools/*.c $(UNIT_SRC) $(wildcard tests/unit/*.h)

clean: ## remove build output
	rm -rf $(B)
