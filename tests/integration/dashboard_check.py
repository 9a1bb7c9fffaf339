#!/usr/bin/env python3
"""dashboard_check.py - checks the Grafana dashboards' queries against what a
real run stored: every Graphite target must match series carbon-cache holds,
and every InfluxDB query (and template variable query) must return data from
the running InfluxDB. Used by test_dashboards.sh.

Usage: dashboard_check.py GRAPHITE_JSON GRAPHITE_SERIES INFLUX_JSON INFLUX_URL HOST SOURCE [CLASSES]
  GRAPHITE_SERIES: one stored metric path per line (a.b.c)
  HOST, SOURCE: the host and pcapflow instance of the run, as InfluxDB has them
  CLASSES: the traffic classes of the run's rules file, comma-separated; the
    panels of the "Traffic classes" row must then draw two or more of them
    and nothing else (a line per class: the name Graphite's aliasSub or
    InfluxDB's renameByRegex leaves)
"""
import fnmatch
import json
import re
import sys
import urllib.parse
import urllib.request

GRAPHITE_FUNCTIONS = {"alias", "aliasByNode", "aliasSub", "groupByNode", "maxSeries", "scale",
                      "sumSeries"}
INFLUX_FUNCTIONS = {"sum", "max", "mean", "non_negative_derivative", "time", "fill"}
SERIES_NODE = 3  # prefix.host.pcapflow-INSTANCE.TYPE-TYPE_INSTANCE[.DS]
errors = []


def fail(msg):
    errors.append(msg)


CLASS_ROW = "Traffic classes"
classes = None  # the expected class names, from CLASSES


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
        hits = graphite_matches(graphite_vars(paths[0]), series)
        if hits and title in class_titles:
            m = re.search(r"aliasSub\(.*, '([^']*)', '[^']*'\)$", expr)
            rx = re.compile(m.group(1) if m else "^(.*)$")
            check_class_names("graphite", title, [
                (rx.match(n).group(1) if rx.match(n) else n)
                for n in {h.split(".")[SERIES_NODE] for h in hits}])
        if not hits:
            fail("graphite %r: %s matches no stored series" % (title, paths[0]))
        elif "*" in nodes[SERIES_NODE] and len({h.split(".")[SERIES_NODE] for h in hits}) < 2:
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


def check_influx(dash, url, host, source):
    n = 0
    class_titles = class_panels(dash)
    renames = {p["title"]: re.compile(tr["options"]["regex"])
               for p in dash["panels"] for tr in p.get("transformations", [])
               if tr["id"] == "renameByRegex"}
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
        if vals and title in class_titles:
            rx = renames.get(title, re.compile("^(.*)$"))
            names = [s.get("type_instance", "") for s in series]
            check_class_names("influxdb", title, [
                (rx.match(n).group(1) if rx.match(n) else n) for n in names])
        if not vals:
            fail("influxdb %r (%s): no data for %s" % (title, t.get("alias"), fill(q)))
        elif re.search(r'"type_instance" =~', q) and len(series) < 2:
            # A family (top-N list, traffic classes): more than one name
            # (for a top-N list, more than its `other`) must be stored.
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
    global classes
    gdash, gseries, idash, url, host, source = sys.argv[1:7]
    if len(sys.argv) > 7:
        classes = set(sys.argv[7].split(","))
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
    if classes is not None and not (class_panels(g) and class_panels(i)):
        fail("no panels in a %r row" % CLASS_ROW)
    for e in errors:
        print(e, file=sys.stderr)
    print("%d graphite targets, %d influxdb queries checked" % (ng, ni))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
