#!/usr/bin/env python3
"""dashboard_check.py - checks the Grafana dashboards' queries against what a
real run stored: every Graphite target must match series carbon-cache holds,
and every InfluxDB query (and template variable query) must return data from
the running InfluxDB. Used by test_dashboards.sh.

Usage: dashboard_check.py GRAPHITE_JSON GRAPHITE_SERIES INFLUX_JSON INFLUX_URL HOST SOURCE
  GRAPHITE_SERIES: one stored metric path per line (a.b.c)
  HOST, SOURCE: the host and pcapflow instance of the run, as InfluxDB has them
"""
import fnmatch
import json
import re
import sys
import urllib.parse
import urllib.request

GRAPHITE_FUNCTIONS = {"alias", "aliasByNode", "aliasSub", "groupByNode", "scale", "sumSeries"}
INFLUX_FUNCTIONS = {"sum", "mean", "non_negative_derivative", "time", "fill"}
errors = []


def fail(msg):
    errors.append(msg)


def targets(dash):
    for p in dash["panels"]:
        for t in p.get("targets", []):
            yield p["title"], t


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
    for title, t in targets(dash):
        expr = t["target"]
        for f in re.findall(r"([A-Za-z_]\w*)\(", expr):
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
        hits = graphite_matches(graphite_vars(paths[0]), series)
        if not hits:
            fail("graphite %r: %s matches no stored series" % (title, paths[0]))
        elif "*" in paths[0].split(".")[-1] and len({h.split(".")[-1] for h in hits}) < 2:
            # A family (top-N list): more than its `other` must be stored.
            fail("graphite %r: %s matches only %s" % (title, paths[0], hits[0].split(".")[-1]))
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


def check_influx(dash, url, host, source):
    n = 0
    subst = {"$timeFilter": "time > now() - 1h", "$__interval": "1s",
             "$host": re.escape(host), "$source": re.escape(source)}

    def fill(q):
        for k, v in subst.items():
            q = q.replace(k, v)
        return q

    for title, t in targets(dash):
        q = t["query"]
        for f in re.findall(r"([A-Za-z_]\w*)\(", q):
            if f not in INFLUX_FUNCTIONS:
                fail("influxdb %r: unknown function %s" % (title, f))
        if not re.search(r'FROM "pcapflow_(rx|tx|value)"', q):
            fail("influxdb %r: not a pcapflow measurement: %s" % (title, q))
        try:
            vals, series = influx_values(influx_query(url, fill(q)), per_series=True)
        except Exception as e:  # a query InfluxDB refuses
            fail("influxdb %r: %s: %s" % (title, e, q))
            continue
        if not vals:
            fail("influxdb %r (%s): no data for %s" % (title, t.get("alias"), fill(q)))
        elif re.search(r'"type_instance" =~', q) and len(series) < 2:
            # A family (top-N list): more than its `other` must be stored.
            fail("influxdb %r: only %s for %s" % (title, series, fill(q)))
        n += 1
    for v in dash["templating"]["list"]:
        try:
            vals = influx_values(influx_query(url, fill(v["query"])))
        except Exception as e:
            fail("influxdb variable %s: %s" % (v["name"], e))
            continue
        want = host if v["name"] == "host" else source
        if want not in vals:
            fail("influxdb variable %s: %s gives %s, not %s" % (v["name"], v["query"], vals, want))
    return n


def main():
    gdash, gseries, idash, url, host, source = sys.argv[1:7]
    with open(gdash) as f:
        g = json.load(f)
    with open(gseries) as f:
        series = [l.strip() for l in f if l.strip()]
    with open(idash) as f:
        i = json.load(f)
    ng = check_graphite(g, series)
    ni = check_influx(i, url, host, source)
    if ng == 0 or ni == 0:
        fail("no queries found (graphite %d, influxdb %d)" % (ng, ni))
    for e in errors:
        print(e, file=sys.stderr)
    print("%d graphite targets, %d influxdb queries checked" % (ng, ni))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
