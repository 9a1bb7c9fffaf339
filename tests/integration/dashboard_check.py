#!/usr/bin/env python3
"""dashboard_check.py - checks the Grafana dashboards' queries against what a
real run stored: every Graphite target must match series carbon-cache holds,
and every InfluxDB query (and template variable query) must return data from
the running InfluxDB. Used by test_dashboards.sh.

Usage: dashboard_check.py [--prometheus PROM_JSON PROM_URL] GRAPHITE_JSON GRAPHITE_SERIES
                          INFLUX_JSON INFLUX_URL HOST SOURCE [CLASSES]
  GRAPHITE_SERIES: one stored metric path per line (a.b.c)
  HOST, SOURCE: the host and pcapflow instance of the run, as the stores have them
  --prometheus: also every query of PROM_JSON (and its template variables)
    against the Prometheus server at PROM_URL, which scraped the run's
    write_prometheus: each must return data from the last ten minutes
  CLASSES: the traffic classes of the run's rules file, comma-separated; the
    panels of the "Traffic classes" row must then draw two or more of them
    and nothing else (a line per class: the name Graphite's aliasSub or
    InfluxDB's renameByRegex leaves)
"""
import fnmatch
import json
import re
import sys
import time
import urllib.parse
import urllib.request

GRAPHITE_FUNCTIONS = {"alias", "aliasByNode", "aliasSub", "groupByNode", "maxSeries", "scale",
                      "sumSeries"}
INFLUX_FUNCTIONS = {"sum", "max", "mean", "non_negative_derivative", "time", "fill"}
PROM_FUNCTIONS = {"sum", "max", "rate", "by"}
SERIES_NODE = 3  # prefix.host.pcapflow-INSTANCE.TYPE-TYPE_INSTANCE[.DS]
errors = []


def family_min_names(query):
    """The names a family's query must find: two (more than a top-N list's
    `other`), but one for the per-port timing (plugin pcapflow_port), whose
    ports are named only from a source's second read on: the test's file is
    read in one, so its figures are all `other` (docs/METRICS.md)."""
    return 1 if "pcapflow_port" in query else 2


def fail(msg):
    errors.append(msg)


CLASS_ROW = "Traffic classes"
classes = None  # the expected class names, from CLASSES


def check_percentiles(kind, title, query, is_latency, takes_max):
    """Percentiles (and maxima) do not add up over hosts and sources: a
    latency series must be drawn per source or as the largest of them."""
    if is_latency and not takes_max:
        fail("%s %r: sums latency percentiles over hosts and sources: %s" % (kind, title, query))


def targets(dash, row_title=None):
    row = None
    for p in dash["panels"]:
        if p.get("type") == "row":
            row = p["title"]
        for t in p.get("targets", []):
            if row_title is None or row == row_title:
                yield p["title"], t


def class_panels(dash):
    return {title for title, _ in targets(dash, CLASS_ROW)}


def check_class_names(kind, title, names):
    """The lines a class panel draws must be two or more of the classes."""
    if classes is None:
        return
    names = set(names)
    if not names <= classes or len(names) < 2:
        fail("%s %r: draws %s, expected two or more of the classes %s"
             % (kind, title, sorted(names), sorted(classes)))


def graphite_matches(pattern, series):
    nodes = pattern.split(".")
    out = []
    for s in series:
        parts = s.split(".")
        if len(parts) == len(nodes) and all(fnmatch.fnmatchcase(a, b) for a, b in zip(parts, nodes)):
            out.append(s)
    return out


def graphite_vars(pattern):
    return pattern.replace("$prefix", "collectd").replace("$host", "*").replace("$source", "*")


def check_graphite(dash, series):
    n = 0
    class_titles = class_panels(dash)
    for title, t in targets(dash):
        expr = t["target"]
        # Functions outside quoted arguments (aliasSub's regex has groups).
        for f in re.findall(r"([A-Za-z_]\w*)\(", re.sub(r"'[^']*'", "''", expr)):
            if f not in GRAPHITE_FUNCTIONS:
                fail("graphite %r: unknown function %s in %s" % (title, f, expr))
        paths = re.findall(r"\$prefix(?:\.[\w$*\-]+)+", expr)
        if len(paths) != 1:
            fail("graphite %r: expected one series path in %s" % (title, expr))
            continue
        nodes = paths[0].split(".")
        m = re.search(r"groupByNode\(\s*[^,()]+,\s*(\d+)", expr)
        if m and not (int(m.group(1)) < len(nodes) and "*" in nodes[int(m.group(1))].replace("$", "")):
            fail("graphite %r: groupByNode node %s is not the wildcard of %s" % (title, m.group(1), paths[0]))
        m = re.search(r"aliasByNode\(\s*[^,()]+((?:,\s*\d+)+)\)", expr)
        if m and any(int(x) >= len(nodes) for x in re.findall(r"\d+", m.group(1))):
            fail("graphite %r: aliasByNode%s beyond the nodes of %s" % (title, m.group(1), paths[0]))
        check_percentiles("graphite", title, expr, ".duration-" in expr,
                          "maxSeries" in expr or "aliasByNode(" in expr)
        hits = graphite_matches(graphite_vars(paths[0]), series)
        if hits and title in class_titles:
            m = re.search(r"aliasSub\(.*, '([^']*)', '[^']*'\)$", expr)
            rx = re.compile(m.group(1) if m else "^(.*)$")
            check_class_names("graphite", title, [
                (rx.match(n).group(1) if rx.match(n) else n)
                for n in {h.split(".")[SERIES_NODE] for h in hits}])
        if not hits:
            fail("graphite %r: %s matches no stored series" % (title, paths[0]))
        elif "*" in nodes[SERIES_NODE] and len({h.split(".")[SERIES_NODE] for h in hits}) < family_min_names(expr):
            # A family (top-N list, traffic classes): more than one name
            # (for a top-N list, more than its `other`) must be stored.
            fail("graphite %r: %s matches only %s" % (title, paths[0], hits[0].split(".")[SERIES_NODE]))
        n += 1
    for v in dash["templating"]["list"]:
        if v["type"] != "query":
            continue
        pattern = graphite_vars(v["query"])
        depth = len(pattern.split("."))
        nodes = sorted({".".join(s.split(".")[:depth]) for s in series if len(s.split(".")) > depth})
        hits = [x for x in nodes if fnmatch.fnmatchcase(x, pattern)]
        if v.get("regex"):
            rx = re.compile(v["regex"].strip("/"))
            hits = [x for x in hits if rx.search(x.split(".")[-1])]
        if not hits:
            fail("graphite variable %s: %s finds nothing" % (v["name"], v["query"]))
    return n


def influx_query(url, q):
    full = url + "/query?" + urllib.parse.urlencode({"db": "collectd", "q": q})
    with urllib.request.urlopen(full, timeout=10) as r:
        return json.load(r)


def influx_values(answer, per_series=False):
    out, series = [], []
    for res in answer.get("results", []):
        if "error" in res:
            raise ValueError(res["error"])
        for s in res.get("series", []):
            vals = [v for row in s["values"] for v in row[1:] if v is not None]
            out.extend(vals)
            if vals:
                series.append(s.get("tags", {}))
    return (out, series) if per_series else out


def renames_of(dash):
    """The renameByRegex transformation of each panel: what it leaves of a
    family's series names (a class's name)."""
    return {p["title"]: re.compile(tr["options"]["regex"])
            for p in dash["panels"] for tr in p.get("transformations", [])
            if tr["id"] == "renameByRegex"}


def filler(subst):
    def fill(q):
        for k, v in subst.items():
            q = q.replace(k, v)
        return q
    return fill


def check_renamed_classes(kind, title, renames, names):
    rx = renames.get(title, re.compile("^(.*)$"))
    check_class_names(kind, title, [(rx.match(x).group(1) if rx.match(x) else x) for x in names])


def check_influx(dash, url, host, source):
    n = 0
    class_titles = class_panels(dash)
    renames = renames_of(dash)
    fill = filler({"$timeFilter": "time > now() - 1h", "$__interval": "1s",
                   "$host": re.escape(host), "$source": re.escape(source)})

    for title, t in targets(dash):
        q = t["query"]
        for f in re.findall(r"([A-Za-z_]\w*)\(", q):
            if f not in INFLUX_FUNCTIONS:
                fail("influxdb %r: unknown function %s" % (title, f))
        check_percentiles("influxdb", title, q, "_seconds\"" in q,
                          q.startswith('SELECT max(') or '"host", "instance" fill' in q)
        if not re.search(r'FROM "pcapflow(_class|_dns|_tls|_port)?_(rx|tx|value|seconds)"', q):
            fail("influxdb %r: not a pcapflow measurement: %s" % (title, q))
        try:
            vals, series = influx_values(influx_query(url, fill(q)), per_series=True)
        except Exception as e:  # a query InfluxDB refuses
            fail("influxdb %r: %s: %s" % (title, e, q))
            continue
        if vals and title in class_titles:
            check_renamed_classes("influxdb", title, renames,
                                  [s.get("type_instance", "") for s in series])
        if not vals:
            fail("influxdb %r (%s): no data for %s" % (title, t.get("alias"), fill(q)))
        elif re.search(r'"type_instance" =~', q) and len(series) < family_min_names(q):
            # A family (top-N list, traffic classes): more than one name
            # (for a top-N list, more than its `other`) must be stored.
            fail("influxdb %r: only %s for %s" % (title, series, fill(q)))
        n += 1
    for v in dash["templating"]["list"]:
        if v["type"] != "query":
            continue
        try:
            vals = influx_values(influx_query(url, fill(v["query"])))
        except Exception as e:
            fail("influxdb variable %s: %s" % (v["name"], e))
            continue
        want = host if v["name"] == "host" else source
        if want not in vals:
            fail("influxdb variable %s: %s gives %s, not %s" % (v["name"], v["query"], vals, want))
    return n


def prom_get(url, path, params):
    full = url + path + "?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(full, timeout=10) as r:
        answer = json.load(r)
    if answer.get("status") != "success":
        raise ValueError(answer)
    return answer["data"]


def prom_range(url, expr):
    now = time.time()
    return prom_get(url, "/api/v1/query_range",
                    {"query": expr, "start": now - 600, "end": now, "step": "1"})["result"]


def check_prometheus(dash, url, host, source):
    n = 0
    class_titles = class_panels(dash)
    renames = renames_of(dash)
    # A regex inside a PromQL string: its backslashes doubled.
    fill = filler({"$__rate_interval": "5s", "$host": re.escape(host).replace("\\", "\\\\"),
                   "$source": re.escape(source).replace("\\", "\\\\")})

    for title, t in targets(dash):
        q = t["expr"]
        for f in re.findall(r"([A-Za-z_]\w*)\s*\(", re.sub(r'"[^"]*"', '""', q)):
            if f not in PROM_FUNCTIONS:
                fail("prometheus %r: unknown function %s" % (title, f))
        check_percentiles("prometheus", title, q, "_duration_seconds" in q,
                          q.startswith("max") or "by (instance," in q)
        try:
            result = prom_range(url, fill(q))
        except Exception as e:  # a query Prometheus refuses
            fail("prometheus %r: %s: %s" % (title, e, q))
            continue
        series = [r["metric"] for r in result if any(v[1] != "NaN" for v in r["values"])]
        if series and title in class_titles:
            check_renamed_classes("prometheus", title, renames, [m.get("type", "") for m in series])
        if not series:
            fail("prometheus %r (%s): no data for %s" % (title, t.get("legendFormat"), fill(q)))
        elif "by (type)" in q and len(series) < family_min_names(q):
            # A family (top-N list, traffic classes): more than one name
            # (for a top-N list, more than its `other`) must be stored.
            fail("prometheus %r: only %s for %s" % (title, series, fill(q)))
        n += 1
    for v in dash["templating"]["list"]:
        if v["type"] != "query":
            continue
        m = re.match(r"label_values\((.*), (\w+)\)$", v["definition"])
        want = host if v["name"] == "host" else source
        try:
            got = {r["metric"].get(m.group(2)) for r in prom_range(url, fill(m.group(1)))}
        except Exception as e:
            fail("prometheus variable %s: %s" % (v["name"], e))
            continue
        if want not in got:
            fail("prometheus variable %s: %s gives %s, not %s" % (v["name"], v["definition"], got, want))
    return n


def main():
    global classes
    args = sys.argv[1:]
    prom = None
    if args[:1] == ["--prometheus"]:
        prom, args = args[1:3], args[3:]
    gdash, gseries, idash, url, host, source = args[:6]
    if len(args) > 6:
        classes = set(args[6].split(","))
    with open(gdash) as f:
        g = json.load(f)
    with open(gseries) as f:
        series = [l.strip() for l in f if l.strip()]
    with open(idash) as f:
        i = json.load(f)
    ng = check_graphite(g, series)
    ni = check_influx(i, url, host, source)
    np = -1
    if prom:
        with open(prom[0]) as f:
            pdash = json.load(f)
        np = check_prometheus(pdash, prom[1], host, source)
        if classes is not None and not class_panels(pdash):
            fail("no panels in a %r row of %s" % (CLASS_ROW, prom[0]))
    if ng == 0 or ni == 0 or np == 0:
        fail("no queries found (graphite %d, influxdb %d, prometheus %d)" % (ng, ni, np))
    if classes is not None and not (class_panels(g) and class_panels(i)):
        fail("no panels in a %r row" % CLASS_ROW)
    for e in errors:
        print(e, file=sys.stderr)
    print("%d graphite targets, %d influxdb queries, %d prometheus queries checked" % (ng, ni, max(np, 0)))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
