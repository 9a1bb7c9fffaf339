# collectd-pcapflow: every entry point. `make help` lists the targets.

CC        ?= cc
# -O2 and no further optimisation flags: none that was measured pays
# (callgrind, instructions a frame on the 200,000-frame mixed, flood and
# services captures; -O2 with LTO: 765, 1,175, 938). -O3 gives 766, 1,174,
# 936; -fno-semantic-interposition, -fno-plt and -march=x86-64-v2 move no
# count by more than 2 (the version script already hides every engine
# symbol, and the packet path makes no PLT call); -fipa-pta costs flood 7;
# -funroll-loops saves 4, 2, 4 and -fno-tree-vectorize 2, 2, 2.
# Profile feedback (-fprofile-generate, a training run over captures of
# other seeds, -fprofile-use) saves 4, 6 and 15: under 1% of a mixed frame
# (CPU time 1.4% less, inside the spread of paired runs), not worth a second,
# trained build. The packages' own CFLAGS replace these
# (packaging/): Debian's hardening (HARDENED=1 below) costs 5, 19 and 11 a
# frame more than this build (708.6, 1,142.5, 898.0 on b915d1d), nearly
# all of it _FORTIFY_SOURCE=2's fortified memset and memcpy calls
# holding back their early folding in the decoder, the epoch, the anomaly
# table and the top-N keys; -fstack-protector-strong's canary is kept out of
# the per-packet callbacks (capture.c).
CFLAGS    ?= -O2 -g
# Link-time optimisation: the packet path crosses files (decoder, flow
# table, shard), and LTO inlines across them (callgrind, mixed capture:
# 296.4 -> 269.4 M instructions). Fat objects keep ordinary code too, so
# what links the engine without LTO (the unit tests, --wrap in mk/collide.mk)
# sees every call. `make LTO=` builds without it.
LTO       ?= -flto=auto -ffat-lto-objects
WARNINGS  := -Wall -Wextra -Werror
BASEFLAGS := -std=gnu11 -D_GNU_SOURCE -pthread -fPIC $(WARNINGS)
COLLECTD_INC ?= /usr/include/collectd
COLLECTD_FLAGS := -DHAVE_CONFIG_H -I$(COLLECTD_INC) -I$(COLLECTD_INC)/core \
                  -I$(COLLECTD_INC)/core/daemon
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt)
SANITIZE  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

B := build

# HARDENED=1: the Debian package's flags instead (dpkg-buildflags with
# hardening=+all, as packaging/debian/rules builds it: stack protector,
# _FORTIFY_SOURCE, relro and now), in build/hardened, so that the plugin a
# .deb installs is measured as the plain build is: `make HARDENED=1
# bench-profile` counts its instructions a frame. The flags' meaning stays
# the package's: a hardened build's cost is removed in the code, never by
# leaving a flag out.
ifeq ($(HARDENED),1)
ifeq ($(shell command -v dpkg-buildflags),)
$(error HARDENED=1 takes the flags from dpkg-buildflags (package dpkg-dev))
endif
pf_deb_flags = $(shell DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get $(1))
CFLAGS  := $(call pf_deb_flags,CFLAGS) $(call pf_deb_flags,CPPFLAGS)
LDFLAGS := $(call pf_deb_flags,LDFLAGS)
B := build/hardened
endif

# ---- the engine's modules (docs/ARCHITECTURE.md has the diagram) ----
# One folder per module under src/. A module may include its own headers,
# the API (include/pcapflow/) and the headers of the modules its _USES
# names, nothing else; scripts/check-modules.sh holds every #include to
# this before anything is compiled, so dependencies run one way.
MODULES := base packet sketch app rules flow anomaly shard source metrics
base_USES    :=
packet_USES  := base
sketch_USES  := base
app_USES     := base
rules_USES   := base packet
flow_USES    := base packet sketch
anomaly_USES := base packet
shard_USES   := base packet sketch app rules flow anomaly
source_USES  := base packet sketch app rules flow anomaly shard
metrics_USES :=
$(foreach m,$(MODULES),$(eval $(m)_SRC := $(wildcard src/$(m)/*.c)))
$(foreach m,$(MODULES),$(eval $(m)_HDR := $(wildcard src/$(m)/*.h)))
API_HDR    := $(wildcard include/pcapflow/*.h)
ENGINE_SRC := $(foreach m,$(MODULES),$($(m)_SRC))
ENGINE_HDR := $(API_HDR) $(foreach m,$(MODULES),$($(m)_HDR))
ENGINE_OBJ := $(ENGINE_SRC:src/%.c=$(B)/engine/%.o)
empty :=
space := $(empty) $(empty)
comma := ,
MODULE_MAP := $(foreach m,$(MODULES),$(m):$(subst $(space),$(comma),$($(m)_USES)))
# What every program linked with the engine needs.
ENGINE_LIBS := -lpcap -lyaml -lm
PLUGIN_SRC := $(wildcard plugin/*.c)
PLUGIN_OBJ := $(PLUGIN_SRC:plugin/%.c=$(B)/plugin/%.o)
TOOLS_SRC  := $(wildcard tools/*/*.c)
# pcapflow-top: all of it but main() is linked into the unit tests too,
# which find its headers with -Itools/top (so none may share a name with a
# system header: there is no poll.h or term.h in it).
TOP_SRC    := $(wildcard tools/top/*.c)
TOP_HDR    := $(wildcard tools/top/*.h)
TOP_LIB    := $(filter-out tools/top/top.c,$(TOP_SRC))
UNIT_SRC   := $(wildcard tests/unit/*.c)
GEN_SRC    := $(wildcard tests/gen/*.c)

.PHONY: all deps run check unit unit-asan integration bench install format clean help

all: $(B)/pcapflow.so $(B)/pcapflow-replay $(B)/pcapflow-top $(B)/pcapflow-gen ## build the plugin and its tools

help: ## list the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | \
	  awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

deps: ## install missing Debian packages (build, test, run)
	@scripts/deps.sh

# ---- build ----

# Every #include of the engine, the adapter and the tools, against the
# module map above (and no engine file outside a module folder).
$(B)/modules.ok: scripts/check-modules.sh Makefile $(ENGINE_SRC) $(ENGINE_HDR) \
    $(PLUGIN_SRC) $(wildcard plugin/*.h) $(TOOLS_SRC) | $(B)
	scripts/check-modules.sh $(MODULE_MAP)
	@touch $@

$(B)/engine/%.o: src/%.c $(ENGINE_HDR) $(B)/modules.ok
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) $(LTO) -Iinclude -Isrc -c $< -o $@

# The adapter sees the API alone: no -Isrc, so an engine header it reached
# for would not compile.
$(B)/plugin/%.o: plugin/%.c plugin/*.h $(API_HDR) $(B)/modules.ok | $(B)/plugin
	$(CC) $(BASEFLAGS) $(CFLAGS) $(LTO) $(COLLECTD_FLAGS) -Iinclude -Iplugin -c $< -o $@

$(B)/libpcapflow.a: $(ENGINE_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(B)/pcapflow.so: $(PLUGIN_OBJ) $(B)/libpcapflow.a plugin/pcapflow.map Makefile
	$(CC) -shared -pthread $(CFLAGS) $(LTO) $(LDFLAGS) -Wl,--version-script=plugin/pcapflow.map \
	  -o $@ $(PLUGIN_OBJ) $(B)/libpcapflow.a $(ENGINE_LIBS)

# The tools, like the adapter, see the API alone.
$(B)/pcapflow-replay: tools/replay/replay.c $(API_HDR) $(B)/libpcapflow.a
	$(CC) $(BASEFLAGS) $(CFLAGS) $(LTO) -Iinclude -o $@ $< $(B)/libpcapflow.a $(ENGINE_LIBS)

# pcapflow-top speaks collectd's unixsock protocol and uses nothing of the
# engine. The packages ship it (mk/packaging.mk), hence $(LDFLAGS).
$(B)/pcapflow-top: $(TOP_SRC) $(TOP_HDR) $(B)/modules.ok
	$(CC) $(BASEFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(TOP_SRC) -lm

# The generator hashes flow keys with the engine's own pf_hash_bytes (the
# collide scenario searches for keys that share a bucket under a known seed).
$(B)/pcapflow-gen: $(GEN_SRC) $(wildcard tests/gen/*.h) tests/known_seed/known_seed.h $(B)/libpcapflow.a
	$(CC) -std=c11 $(WARNINGS) $(CFLAGS) -Iinclude -Isrc -Itests/known_seed -o $@ $(GEN_SRC) \
	  $(B)/libpcapflow.a -pthread

$(B) $(B)/plugin:
	mkdir -p $@

# ---- tests ----

# A suite defined in a test file but missing from the table in suites.h
# would never run: refuse to build rather than pass without it.
$(B)/unit-suites.ok: $(UNIT_SRC) tests/unit/suites.h | $(B)
	@for s in $$(sed -n 's/^Suite \*pf_\([a-z0-9_]*\)_suite(void).*/\1/p' $(UNIT_SRC)); do \
	  grep -q "X($$s)" tests/unit/suites.h || \
	    { echo "tests/unit: suite $$s is not in PF_UNIT_SUITES (suites.h)" >&2; exit 1; }; \
	done
	@touch $@

$(B)/unit-tests: $(UNIT_SRC) $(wildcard tests/unit/*.h) $(B)/libpcapflow.a $(TOP_LIB) $(TOP_HDR) $(B)/unit-suites.ok
	$(CC) $(BASEFLAGS) $(CFLAGS) -Iinclude -Isrc -Itests/unit -Itools/top -o $@ $(UNIT_SRC) \
	  $(TOP_LIB) $(B)/libpcapflow.a $(ENGINE_LIBS) $(CHECK_LIBS)

# The same tests, engine and all, under AddressSanitizer and UBSan.
$(B)/unit-tests-asan: $(UNIT_SRC) $(wildcard tests/unit/*.h) $(ENGINE_SRC) $(ENGINE_HDR) $(TOP_LIB) $(TOP_HDR) $(B)/unit-suites.ok | $(B)
	$(CC) $(BASEFLAGS) -O1 -g $(SANITIZE) -DPF_DEBUG -Iinclude -Isrc -Itests/unit -Itools/top -o $@ \
	  $(UNIT_SRC) $(TOP_LIB) $(ENGINE_SRC) $(ENGINE_LIBS) $(CHECK_LIBS)

unit: $(B)/unit-tests $(B)/pcapflow-gen ## run the unit tests
	$(B)/unit-tests

unit-asan: $(B)/unit-tests-asan $(B)/pcapflow-gen ## run the unit tests under ASan + UBSan
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

run: deps ## install what is missing, build, run collectd with the plugin and show its live view
	$(MAKE) all
	scripts/run.sh

# ---- install ----
# `make install` (DESTDIR, PREFIX, ...) is in mk/packaging.mk: both packages
# run it, so the files they ship are listed there once.

# The generator's one-case-per-line tables sit between clang-format off/on.
format: ## clang-format the engine, adapter, tools, tests and generator in place
	clang-format -i --style=LLVM $(ENGINE_SRC) $(ENGINE_HDR) $(PLUGIN_SRC) \
	  plugin/*.h $(TOOLS_SRC) $(TOP_HDR) $(UNIT_SRC) $(wildcard tests/unit/*.h) \
	  $(GEN_SRC) $(wildcard tests/gen/*.h)

modules: ## list the engine's modules: what each may use, its sources and headers
	@$(foreach m,$(MODULES),printf '%s (uses: %s)\n  %s\n' $(m) '$(or $($(m)_USES),nothing)' '$(notdir $($(m)_SRC) $($(m)_HDR))';)

clean: ## remove build output
	rm -rf $(B)
