# hardening.mk - fuzzing, sanitizer runs of the capture tests, and the
# hardening steps of `make check` (docs/RELIABILITY.md says what each proves).

FUZZ_CC      ?= clang-14
FUZZ_BUDGET  ?= 1500
FUZZ_NICE    ?= 19
FUZZ_ONLY    ?=
FUZZ_CI_SECONDS ?= 60
FUZZ_FLAGS   := -std=gnu11 -D_GNU_SOURCE -pthread $(WARNINGS) -O1 -g \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer -DPF_DEBUG -Iinclude -Isrc -Itests/fuzz \
                -fsanitize-coverage-ignorelist=tests/fuzz/coverage.ignore

# Every tests/fuzz/fuzz_NAME.c is a harness; FUZZ_SRC_NAME and FUZZ_LIBS_NAME
# add what it needs besides the engine. Seeds live in tests/fuzz/corpus/NAME.
# The engine (rules files included) links with ENGINE_LIBS (Makefile).
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  := $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)
FUZZ_SRC_frames  := tests/fuzz/pipeline.c
FUZZ_SRC_file_reader := tests/unit/file_reader_diff.c
FUZZ_SRC_config  := tests/fuzz/config_tree.c tests/fuzz/collectd_stubs.c \
                    plugin/pcapflow_config.c
FUZZ_LIBS_config := $(COLLECTD_FLAGS) -Iplugin \
                    -Wl,--wrap=pcap_open_offline -ldl

.PHONY: fuzz fuzz-ci fuzz-build fuzz-seeds capture-asan ubsan leaks

fuzz-build: $(FUZZ_BINS) ## build the libFuzzer harnesses (clang-14)

.SECONDEXPANSION:
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRC_$$*) $(wildcard tests/fuzz/*.h) \
    $(ENGINE_SRC) $(ENGINE_HDR) plugin/*.h tests/fuzz/coverage.ignore | $(B)/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_SRC_$*) $(ENGINE_SRC) \
	  $(FUZZ_LIBS_$*) $(ENGINE_LIBS)

$(B)/fuzz:
	mkdir -p $@

# A campaign: FUZZ_BUDGET seconds in all, shared by FUZZ_SHARES, one harness
# at a time at nice FUZZ_NICE (tests/fuzz/README.md).
fuzz: $(FUZZ_BINS) ## fuzz campaign: FUZZ_BUDGET seconds (default 1500) over every harness (or FUZZ_ONLY), table in build/fuzz/summary.md
	nice -n $(FUZZ_NICE) tests/fuzz/campaign.sh $(FUZZ_BUDGET) $(FUZZ_ONLY)

fuzz-ci: $(FUZZ_BINS) ## run every fuzz harness for FUZZ_CI_SECONDS (default 60) each
	@for n in $(FUZZ_NAMES); do tests/fuzz/run.sh $$n $(FUZZ_CI_SECONDS) || exit 1; done

# Rebuilds tests/fuzz/corpus/frames from the generator's captures of every
# link type, keeping only the frames that add coverage (libFuzzer -merge).
fuzz-seeds: $(B)/fuzz/fuzz_frames $(B)/fuzz/seed_frames $(B)/pcapflow-gen ## regenerate the frame fuzzer's seed corpus
	tests/fuzz/make_seeds.sh

$(B)/fuzz/seed_frames: tests/fuzz/seed_frames.c tests/fuzz/seed_hostile.c \
    tests/fuzz/seed_hostile.h tests/fuzz/frame_input.h | $(B)/fuzz
	$(CC) $(BASEFLAGS) $(CFLAGS) -o $@ tests/fuzz/seed_frames.c tests/fuzz/seed_hostile.c -lpcap

# pcapflow-replay with the engine under AddressSanitizer and UBSan.
$(B)/pcapflow-replay-asan: tools/replay/replay.c $(ENGINE_SRC) $(ENGINE_HDR) | $(B)
	$(CC) $(BASEFLAGS) -O1 -g $(SANITIZE) -DPF_DEBUG -Iinclude -Isrc -o $@ \
	  tools/replay/replay.c $(ENGINE_SRC) $(ENGINE_LIBS)

capture-asan: $(B)/pcapflow-replay-asan $(B)/pcapflow-replay $(B)/pcapflow-gen ## run the capture tests under ASan + UBSan
	tests/sanitize/test_replay_asan.sh

# UBSan alone: ASan's allocator aligns large blocks to more than malloc
# must, so an over-aligned type in memory from calloc (alignment is
# -fsanitize=undefined's, named here so that no one drops it) shows only
# without ASan. The unit tests and the capture tests of capture-asan: on
# the 2-core test machine about 30 s of CPU to build both, 36 s to run.
UBSAN := -fsanitize=undefined -fsanitize=alignment -fno-sanitize-recover=all \
         -fno-omit-frame-pointer

$(B)/pcapflow-replay-ubsan: tools/replay/replay.c $(ENGINE_SRC) $(ENGINE_HDR) | $(B)
	$(CC) $(BASEFLAGS) -O1 -g $(UBSAN) -DPF_DEBUG -Iinclude -Isrc -o $@ \
	  tools/replay/replay.c $(ENGINE_SRC) $(ENGINE_LIBS)

$(B)/unit-tests-ubsan: $(UNIT_SRC) $(wildcard tests/unit/*.h) $(ENGINE_SRC) $(ENGINE_HDR) $(TOP_LIB) $(TOP_HDR) $(B)/unit-suites.ok | $(B)
	$(CC) $(BASEFLAGS) -O1 -g $(UBSAN) -DPF_DEBUG -Iinclude -Isrc -Itests/unit -Itools/top -o $@ \
	  $(UNIT_SRC) $(TOP_LIB) $(ENGINE_SRC) $(ENGINE_LIBS) $(CHECK_LIBS)

ubsan: $(B)/unit-tests-ubsan $(B)/pcapflow-replay-ubsan $(B)/pcapflow-replay $(B)/pcapflow-gen ## run the unit and capture tests under UBSan alone (no ASan: its allocator hides misalignment)
	CK_FORK=no UBSAN_OPTIONS=print_stacktrace=1 $(B)/unit-tests-ubsan
	tests/sanitize/test_replay_asan.sh ubsan

leaks: all ## valgrind over a real collectd with the plugin (also part of integration)
	ONLY=leaks tests/integration/run_all.sh

CHECK_STEPS += capture-asan ubsan fuzz-ci
