# graphs.mk - PNG graphs of the main series from an rrdtool run of the
# plugin (scripts/graphs.sh); tests/integration/test_graphs.sh runs it too.

.PHONY: graphs graphs-readme

graphs: all ## render PNG graphs (rrdtool) of a live run over a generated capture into build/graphs/ (root)
	scripts/graphs.sh

graphs-readme: graphs ## render the graphs and update the one the README shows (docs/images/traffic.png)
	mkdir -p docs/images
	cp build/graphs/traffic.png docs/images/traffic.png
