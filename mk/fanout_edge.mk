# The fanout open edge (tests/integration/test_fanout_edge.sh): a tool that
# opens a source's workers with the engine's own pf_handle_open while
# numbered frames flow, and counts every frame handed over.
$(B)/fanout-edge: tests/integration/fanout_edge.c $(ENGINE_HDR) $(B)/libpcapflow.a
	$(CC) $(BASEFLAGS) $(CFLAGS) -Iinclude -Isrc -o $@ $< $(B)/libpcapflow.a $(ENGINE_LIBS)

integration: $(B)/fanout-edge
