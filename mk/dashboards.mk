# dashboards.mk - the Grafana dashboards in contrib/grafana are generated
# from one panel list; tests/integration/test_dashboards.sh checks them.

.PHONY: dashboards

dashboards: ## regenerate contrib/grafana/*.json from contrib/grafana/panels.json
	python3 contrib/grafana/gen_dashboards.py
