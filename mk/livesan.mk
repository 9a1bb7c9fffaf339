# livesan.mk - the plugin under AddressSanitizer + UBSan, for the live
# capture path in a real collectd (docs/RELIABILITY.md): handle.c's
# activation and fanout join, the capture threads of Workers N, a reopen,
# a stop under traffic. The unit and capture tests (hardening.mk) reach the
# engine through pcapflow-replay, which reads files only.
#
# build/asan/pcapflow.so is the engine and the adapter built as
# unit-tests-asan builds them ($(SANITIZE), -O1, PF_DEBUG's checks on); the
# stock collectd, not instrumented, loads it with the compiler's libasan
# preloaded (the test takes the path from the plugin's own DT_NEEDED), so
# that ASan's allocator sees every allocation of the process from the
# first.

LIVE_SAN_FLAGS := -O1 -g $(SANITIZE) -DPF_DEBUG
LIVE_SAN_ENGINE_OBJ := $(ENGINE_SRC:src/%.c=$(B)/asan/engine/%.o)
LIVE_SAN_PLUGIN_OBJ := $(PLUGIN_SRC:plugin/%.c=$(B)/asan/plugin/%.o)

.PHONY: plugin-asan live-asan live-leaks

$(B)/asan/engine/%.o: src/%.c $(ENGINE_HDR) $(B)/modules.ok
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(LIVE_SAN_FLAGS) -Iinclude -Isrc -c $< -o $@

$(B)/asan/plugin/%.o: plugin/%.c plugin/*.h $(API_HDR) $(B)/modules.ok
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(LIVE_SAN_FLAGS) $(COLLECTD_FLAGS) -Iinclude -Iplugin -c $< -o $@

$(B)/asan/pcapflow.so: $(LIVE_SAN_PLUGIN_OBJ) $(LIVE_SAN_ENGINE_OBJ) plugin/pcapflow.map
	$(CC) -shared -pthread $(LIVE_SAN_FLAGS) -Wl,--version-script=plugin/pcapflow.map \
	  -o $@ $(LIVE_SAN_PLUGIN_OBJ) $(LIVE_SAN_ENGINE_OBJ) $(ENGINE_LIBS)

plugin-asan: $(B)/asan/pcapflow.so ## build the plugin under ASan + UBSan (build/asan/pcapflow.so)

live-asan: all $(B)/asan/pcapflow.so ## a live Workers 2 capture in collectd under ASan + UBSan: reopen, stop under traffic (also part of integration)
	ONLY=live_sanitized tests/integration/run_all.sh

live-leaks: all ## the same live life under valgrind memcheck (also part of integration)
	ONLY=live_leaks tests/integration/run_all.sh

integration: $(B)/asan/pcapflow.so
