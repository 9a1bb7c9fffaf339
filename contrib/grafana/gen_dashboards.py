#!/usr/bin/env python3
"""gen_dashboards.py - writes the Grafana dashboards for Graphite and for
InfluxDB from panels.json, so both show the same panels and a new series
needs one entry in one file.

Usage: gen_dashboards.py [OUTDIR]   (default: the folder of this script)

What the queries assume of the writers (docs/DEPLOYMENT.md):
- Graphite: write_graphite with Prefix "collectd.", EscapeCharacter "_",
  StoreRates true (counters arrive as rates), SeparateInstances false and
  AlwaysAppendDS false, so a series is
  collectd.HOST.pcapflow-SOURCE.TYPE-TYPE_INSTANCE[.DS].
- InfluxDB 1.x: its collectd listener, which stores raw counters in
  measurements pcapflow_rx, pcapflow_tx and pcapflow_value, tagged host,
  instance, type and type_instance; rates come from non_negative_derivative.

A panel either sums named series over the selected hosts and sources, or
(`per_source`) draws them for each host and source, or (`family`) draws
every series whose name starts with a prefix, one line per name summed over
hosts and sources: the top-N lists, whose names come from the traffic
(Graphite: a wildcard grouped by node; InfluxDB: a type_instance regex
grouped by type_instance).

A `classes` panel draws a family of the traffic classes' series (docs/
METRICS.md, "Traffic rules"), which live under plugin instance
"SOURCE-class": one line per class, from the instances of the selected
sources (the Source variable lists sources only; the panel appends
"-class"). The class's name is what the family's prefix and `suffix`
enclose (latency-tcp_handshake_<class>_p90). `aggregate` "max" takes the
largest value over hosts and sources instead of the sum (percentiles do
not add up).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PANEL_W, PANEL_H, GRID_W = 12, 8, 24


def legend(series, ds, all_ds):
    name = series.split("-", 1)[1]
    return name if all_ds == ["value"] else "%s %s" % (name, ds)


def graphite_path(series, ds):
    path = "$prefix.$host.pcapflow-$source.%s" % series
    if ds != "value":
        path += "." + ds
    return path


def graphite_class_target(ds, panel):
    # prefix.host.pcapflow-SOURCE-class.TYPE-CLASS[.DS]: node 3 names the
    # class, grouped over hosts and sources, shown as "CLASS[ DS]".
    family, suffix = panel["family"], panel.get("suffix", "")
    path = "$prefix.$host.pcapflow-$source-class.%s*%s" % (family, suffix)
    if ds != "value":
        path += "." + ds
    agg = "maxSeries" if panel.get("aggregate") == "max" else "sumSeries"
    expr = "groupByNode(%s, 3, '%s')" % (path, agg)
    if panel.get("scale"):
        expr = "scale(%s, %s)" % (expr, panel["scale"])
    name = "\\1" if ds == "value" else "\\1 %s" % ds
    return {"target": "aliasSub(%s, '^%s(.*)%s$', '%s')" % (expr, family, suffix, name)}


def graphite_target(series, ds, panel):
    if panel.get("classes"):
        return graphite_class_target(ds, panel)
    if panel.get("family"):
        # One line per name of the family, summed over hosts and sources;
        # node 3 is TYPE-TYPE_INSTANCE, shown without the family's prefix.
        family = panel["family"]
        expr = "groupByNode(%s*, 3, 'sumSeries')" % graphite_path(family, ds)
        return {"target": "aliasSub(%s, '^%s', '')" % (expr, family)}
    if panel.get("per_source"):
        # One line per host and source: "HOST SOURCE name".
        expr = "aliasByNode(%s, 1, 2, 3)" % graphite_path(series, ds)
        return {"target": "aliasSub(%s, '[.](pcapflow|[a-z_]+)-', ' ')" % expr}
    expr = "sumSeries(%s)" % graphite_path(series, ds)
    if panel.get("scale"):
        expr = "scale(%s, %s)" % (expr, panel["scale"])
    return {"target": "alias(%s, '%s')" % (expr, legend(series, ds, panel["ds"]))}


def influx_class_target(ds, panel):
    # One line per class (type_instance) of the selected sources' "-class"
    # instances; the panel's rename transformation leaves the class's name.
    typ, inst = panel["family"].split("-", 1)
    suffix = panel.get("suffix", "")
    where = ("\"type\" = '%s' AND \"type_instance\" =~ /^%s.*%s$/ AND \"host\" =~ /^$host$/ "
             "AND \"instance\" =~ /^$source-class$/ AND $timeFilter" % (typ, inst, suffix))
    if panel["kind"] == "rate":
        inner = 'non_negative_derivative(mean("value"), 1s)'
    else:
        inner = 'mean("value")'
    outer = 'max("v")' if panel.get("aggregate") == "max" else 'sum("v")'
    if panel.get("scale"):
        outer += " * %s" % panel["scale"]
    query = ('SELECT %s FROM (SELECT %s AS "v" FROM "pcapflow_%s" WHERE %s '
             'GROUP BY time($__interval), "host", "instance", "type_instance") WHERE $timeFilter '
             'GROUP BY time($__interval), "type_instance" fill(null)' % (outer, inner, ds, where))
    alias = "$tag_type_instance" if ds == "value" else "$tag_type_instance %s" % ds
    return {"query": query, "rawQuery": True, "resultFormat": "time_series", "alias": alias}


def influx_target(series, ds, panel):
    if panel.get("classes"):
        return influx_class_target(ds, panel)
    typ, inst = series.split("-", 1)
    if panel.get("family"):
        match = "\"type_instance\" =~ /^%s/" % inst
    else:
        match = "\"type_instance\" = '%s'" % inst
    where = ("\"type\" = '%s' AND %s AND \"host\" =~ /^$host$/ "
             "AND \"instance\" =~ /^$source$/ AND $timeFilter" % (typ, match))
    if panel["kind"] == "rate":
        inner = 'non_negative_derivative(mean("value"), 1s)'
    else:
        inner = 'mean("value")'
    if panel.get("per_source"):
        query = ('SELECT %s FROM "pcapflow_%s" WHERE %s GROUP BY time($__interval), "host", "instance" '
                 'fill(null)' % (inner, ds, where))
        return {"query": query, "rawQuery": True, "resultFormat": "time_series",
                "alias": "$tag_host $tag_instance %s" % legend(series, ds, panel["ds"])}
    groups, alias = "", legend(series, ds, panel["ds"])
    if panel.get("family"):
        # One line per name of the family; the panel's rename transformation
        # takes the family's prefix off.
        groups, alias = ', "type_instance"', "$tag_type_instance"
    outer = 'sum("v")'
    if panel.get("scale"):
        outer += " * %s" % panel["scale"]
    query = ('SELECT %s FROM (SELECT %s AS "v" FROM "pcapflow_%s" WHERE %s '
             'GROUP BY time($__interval), "host", "instance"%s) WHERE $timeFilter '
             'GROUP BY time($__interval)%s fill(null)' % (outer, inner, ds, where, groups, groups))
    return {"query": query, "rawQuery": True, "resultFormat": "time_series", "alias": alias}


def variables(kind, ds_ref):
    if kind == "graphite":
        return [
            {"name": "prefix", "label": "Prefix", "type": "constant", "query": "collectd",
             "hide": 2},
            {"name": "host", "label": "Host", "type": "query", "datasource": ds_ref,
             "query": "$prefix.*", "multi": True, "includeAll": True, "allValue": "*",
             "refresh": 2, "sort": 1},
            # Sources only: "<source>-class" instances hold the per-class
            # series of traffic rules, whose names (a class may be called
            # "other" or "tcp") must not be summed into the sources' own.
            # So "All" lists the sources rather than matching every instance.
            {"name": "source", "label": "Source", "type": "query", "datasource": ds_ref,
             "query": "$prefix.$host.pcapflow-*", "regex": "/^pcapflow-(?!.*-class$)(.*)$/",
             "multi": True, "includeAll": True, "refresh": 2, "sort": 1},
        ]
    return [
        {"name": "host", "label": "Host", "type": "query", "datasource": ds_ref,
         "query": 'SHOW TAG VALUES FROM "pcapflow_value" WITH KEY = "host"',
         "multi": True, "includeAll": True, "allValue": ".*", "refresh": 2, "sort": 1},
        {"name": "source", "label": "Source", "type": "query", "datasource": ds_ref,
         "query": 'SHOW TAG VALUES FROM "pcapflow_value" WITH KEY = "instance" WHERE "host" =~ /^$host$/ AND "instance" !~ /-class$/',
         "multi": True, "includeAll": True, "refresh": 2, "sort": 1},
    ]


def dashboard(spec, kind):
    plugin = {"graphite": "graphite", "influxdb": "influxdb"}[kind]
    input_name = "DS_" + kind.upper()
    ds_ref = {"type": plugin, "uid": "${%s}" % input_name}
    make_target = graphite_target if kind == "graphite" else influx_target
    panels, next_id, y = [], 1, 0
    for row in spec["rows"]:
        panels.append({"type": "row", "title": row["title"], "id": next_id, "collapsed": False,
                       "gridPos": {"h": 1, "w": GRID_W, "x": 0, "y": y}, "panels": []})
        next_id += 1
        y += 1
        for i, p in enumerate(row["panels"]):
            targets = []
            # A family panel draws every series whose name starts with it.
            for series in p.get("series") or [p["family"]]:
                for ds in p["ds"]:
                    t = make_target(series, ds, p)
                    t["refId"] = "R%d" % len(targets)
                    t["datasource"] = ds_ref
                    targets.append(t)
            panel = {
                "type": "timeseries", "title": p["title"], "id": next_id, "datasource": ds_ref,
                "gridPos": {"h": PANEL_H, "w": PANEL_W, "x": (i % 2) * PANEL_W,
                            "y": y + (i // 2) * PANEL_H},
                "fieldConfig": {
                    "defaults": {"unit": p["unit"],
                                 "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10}},
                    # Transmitted below the axis, received above it.
                    "overrides": [{"matcher": {"id": "byRegexp", "options": ".* tx$"},
                                   "properties": [{"id": "custom.transform", "value": "negative-Y"}]}],
                },
                "options": {"legend": {"displayMode": "table", "placement": "right",
                                       "calcs": ["mean", "max"]},
                            "tooltip": {"mode": "multi"}},
                "targets": targets,
            }
            if p.get("stack"):
                panel["fieldConfig"]["defaults"]["custom"]["stacking"] = {"mode": "normal",
                                                                           "group": "A"}
            if p.get("family") and kind == "influxdb":
                prefix = p["family"].split("-", 1)[1]
                if prefix or p.get("suffix"):
                    panel["transformations"] = [{"id": "renameByRegex", "options": {
                        "regex": "^%s(.*)%s$" % (prefix, p.get("suffix", "")),
                        "renamePattern": "$1"}}]
            panels.append(panel)
            next_id += 1
        y += ((len(row["panels"]) + 1) // 2) * PANEL_H
    return {
        "__inputs": [{"name": input_name, "label": plugin, "type": "datasource",
                      "pluginId": plugin, "pluginName": plugin}],
        "__requires": [{"type": "datasource", "id": plugin, "name": plugin},
                       {"type": "panel", "id": "timeseries", "name": "Time series"}],
        "title": "%s (%s)" % (spec["title"], "Graphite" if kind == "graphite" else "InfluxDB"),
        "uid": "%s-%s" % (spec["uid"], kind),
        "tags": ["pcapflow", "collectd", "network"],
        "timezone": "browser",
        "schemaVersion": 36,
        "version": 1,
        "editable": True,
        "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": variables(kind, ds_ref)},
        "panels": panels,
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    with open(os.path.join(HERE, "panels.json")) as f:
        spec = json.load(f)
    for kind in ("graphite", "influxdb"):
        path = os.path.join(out, "pcapflow-%s.json" % kind)
        with open(path, "w") as f:
            json.dump(dashboard(spec, kind), f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
