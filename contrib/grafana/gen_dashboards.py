#!/usr/bin/env python3
"""gen_dashboards.py - writes the Grafana dashboards for Graphite, InfluxDB
and Prometheus from panels.json, so all three show the same panels and a
new series needs one entry in one file.

Usage: gen_dashboards.py [OUTDIR]   (default: the folder of this script)

The rows come from panels.json, then from each panels-NAME.json beside it
(an analysis's own rows, such as DNS), in the order of their names.

What the queries assume of the writers (docs/DEPLOYMENT.md):
- Graphite: write_graphite with Prefix "collectd.", EscapeCharacter "_",
  StoreRates true (counters arrive as rates), SeparateInstances false and
  AlwaysAppendDS false, so a series is
  collectd.HOST.PLUGIN-SOURCE.TYPE-TYPE_INSTANCE[.DS].
- InfluxDB 1.x: its collectd listener, which stores raw counters in
  measurements PLUGIN_rx, PLUGIN_tx, PLUGIN_value and PLUGIN_seconds,
  tagged host, instance, type and type_instance; rates come from
  non_negative_derivative.
- Prometheus: collectd's write_prometheus, whose families are
  collectd_PLUGIN_TYPE[_DS][_total] with the labels PLUGIN (the source),
  type (the type_instance) and instance (the host); rates come from rate().

PLUGIN is pcapflow, or pcapflow_class for the traffic classes (docs/
METRICS.md, "Traffic rules"), whose series name the class in their
type_instance; a class's latency percentile is the plugin instance
SOURCE-p90. A panel may name another plugin whose plugin_instance is the
source (`plugin`: pcapflow_dns, METRICS.md "DNS"; pcapflow_tls, "TLS").

A panel sums named series over the selected hosts and sources ("type-*":
the whole family, which adds up to the total), or takes the largest of
them (`aggregate` "max": percentiles do not add up), or (`per_source`)
draws them for each host and source, or (`family`) draws every series whose
name starts with a prefix, one line per name: the top-N lists, whose names
come from the traffic, and the classes.

Each dashboard's data source is a variable ("datasource"), so the files
work as they are with Grafana's file provisioning as well as the import
dialog.
"""
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PANEL_W, PANEL_H, GRID_W = 12, 8, 24
KINDS = {"graphite": "Graphite", "influxdb": "InfluxDB", "prometheus": "Prometheus"}


def split(series):
    typ, inst = series.split("-", 1)
    return typ, inst


def legend(series, ds, all_ds):
    name = split(series)[1]
    name = "all" if name == "*" else name
    return name if len(all_ds) == 1 and ds in ("value", "seconds") else "%s %s" % (name, ds)


def plugin_of(panel):
    if panel.get("plugin"):
        return panel["plugin"]
    return "pcapflow_class" if panel.get("classes") else "pcapflow"


# ---- Graphite ----

def graphite_path(series, ds, panel):
    path = "$prefix.$host.%s-$source%s.%s" % (plugin_of(panel), panel.get("instance_suffix", ""),
                                               series)
    if ds not in ("value", "seconds"):
        path += "." + ds
    return path


def graphite_aggregate(panel):
    return "maxSeries" if panel.get("aggregate") == "max" else "sumSeries"


def graphite_family(ds, panel):
    # One line per name of the family, over hosts and sources; node 3 is
    # TYPE-TYPE_INSTANCE, shown without the family's prefix.
    family = panel["family"]
    expr = "groupByNode(%s, 3, '%s')" % (graphite_path(family + "*", ds, panel),
                                          graphite_aggregate(panel))
    if panel.get("scale"):
        expr = "scale(%s, %s)" % (expr, panel["scale"])
    name = "\\1" if ds in ("value", "seconds") else "\\1 %s" % ds
    return {"target": "aliasSub(%s, '^%s(.*)$', '%s')" % (expr, family, name)}


def graphite_target(series, ds, panel):
    if panel.get("family"):
        return graphite_family(ds, panel)
    if panel.get("per_source"):
        # One line per host and source: "HOST SOURCE name".
        expr = "aliasByNode(%s, 1, 2, 3)" % graphite_path(series, ds, panel)
        return {"target": "aliasSub(%s, '[.](pcapflow|[a-z_]+)-', ' ')" % expr}
    expr = "%s(%s)" % (graphite_aggregate(panel), graphite_path(series, ds, panel))
    if panel.get("scale"):
        expr = "scale(%s, %s)" % (expr, panel["scale"])
    return {"target": "alias(%s, '%s')" % (expr, legend(series, ds, panel["ds"]))}


# ---- InfluxDB ----

def influx_where(series, panel):
    typ, inst = split(series)
    if panel.get("family"):
        match = " AND \"type_instance\" =~ /^%s/" % inst
    elif inst == "*":
        match = ""
    else:
        match = " AND \"type_instance\" = '%s'" % inst
    return ("\"type\" = '%s'%s AND \"host\" =~ /^$host$/ AND \"instance\" =~ /^$source%s$/ "
            "AND $timeFilter" % (typ, match, panel.get("instance_suffix", "")))


def influx_target(series, ds, panel):
    where = influx_where(series, panel)
    measurement = "%s_%s" % (plugin_of(panel), ds)
    inner = 'non_negative_derivative(mean("value"), 1s)' if panel["kind"] == "rate" else 'mean("value")'
    if panel.get("per_source"):
        query = ('SELECT %s FROM "%s" WHERE %s GROUP BY time($__interval), "host", "instance" '
                 'fill(null)' % (inner, measurement, where))
        return {"query": query, "rawQuery": True, "resultFormat": "time_series",
                "alias": "$tag_host $tag_instance %s" % legend(series, ds, panel["ds"])}
    groups, alias = "", legend(series, ds, panel["ds"])
    if panel.get("family"):
        # One line per name of the family; the panel's rename transformation
        # takes the family's prefix off.
        groups = ', "type_instance"'
        alias = "$tag_type_instance" if ds in ("value", "seconds") else "$tag_type_instance %s" % ds
    elif split(series)[1] == "*":
        groups = ', "type_instance"'  # the family's parts, then their sum
    outer = 'max("v")' if panel.get("aggregate") == "max" else 'sum("v")'
    if panel.get("scale"):
        outer += " * %s" % panel["scale"]
    outer_groups = groups if panel.get("family") else ""
    query = ('SELECT %s FROM (SELECT %s AS "v" FROM "%s" WHERE %s '
             'GROUP BY time($__interval), "host", "instance"%s) WHERE $timeFilter '
             'GROUP BY time($__interval)%s fill(null)' % (outer, inner, measurement, where, groups,
                                                          outer_groups))
    return {"query": query, "rawQuery": True, "resultFormat": "time_series", "alias": alias}


# ---- Prometheus ----

def prom_metric(typ, ds, panel):
    name = "collectd_%s_%s" % (plugin_of(panel), typ)
    if ds != "value":
        name += "_" + ds
    return name + ("_total" if panel["kind"] == "rate" else "")


def prom_selector(series, ds, panel):
    typ, inst = split(series)
    plugin = plugin_of(panel)
    labels = ['instance=~"$host"', '%s=~"$source%s"' % (plugin, panel.get("instance_suffix", ""))]
    if panel.get("family"):
        labels.append('type=~"%s.*"' % inst)
    elif inst != "*":
        labels.append('type="%s"' % inst)
    sel = "%s{%s}" % (prom_metric(typ, ds, panel), ", ".join(labels))
    return "rate(%s[$__rate_interval])" % sel if panel["kind"] == "rate" else sel


def prom_target(series, ds, panel):
    sel = prom_selector(series, ds, panel)
    agg = "max" if panel.get("aggregate") == "max" else "sum"
    if panel.get("per_source"):
        expr = "%s by (instance, %s) (%s)" % (agg, plugin_of(panel), sel)
        name = "{{instance}} {{%s}} %s" % (plugin_of(panel), legend(series, ds, panel["ds"]))
    elif panel.get("family"):
        expr = "%s by (type) (%s)" % (agg, sel)
        name = "{{type}}" if ds in ("value", "seconds") else "{{type}} %s" % ds
    else:
        expr = "%s(%s)" % (agg, sel)
        name = legend(series, ds, panel["ds"])
    if panel.get("scale"):
        expr = "%s * %s" % (expr, panel["scale"])
    return {"expr": expr, "legendFormat": name, "range": True}


TARGETS = {"graphite": graphite_target, "influxdb": influx_target, "prometheus": prom_target}


# ---- variables and dashboard ----

def variables(kind, ds_ref):
    datasource = {"name": "datasource", "label": "Data source", "type": "datasource",
                  "query": kind, "refresh": 1, "hide": 0}
    if kind == "graphite":
        return [
            datasource,
            {"name": "prefix", "label": "Prefix", "type": "constant", "query": "collectd",
             "hide": 2},
            {"name": "host", "label": "Host", "type": "query", "datasource": ds_ref,
             "query": "$prefix.*", "multi": True, "includeAll": True, "allValue": "*",
             "refresh": 2, "sort": 1},
            # The sources: pcapflow-SOURCE (the classes are pcapflow_class-…).
            {"name": "source", "label": "Source", "type": "query", "datasource": ds_ref,
             "query": "$prefix.$host.pcapflow-*", "regex": "/^pcapflow-(.*)$/",
             "multi": True, "includeAll": True, "refresh": 2, "sort": 1},
        ]
    if kind == "influxdb":
        return [
            datasource,
            {"name": "host", "label": "Host", "type": "query", "datasource": ds_ref,
             "query": 'SHOW TAG VALUES FROM "pcapflow_value" WITH KEY = "host"',
             "multi": True, "includeAll": True, "allValue": ".*", "refresh": 2, "sort": 1},
            {"name": "source", "label": "Source", "type": "query", "datasource": ds_ref,
             "query": 'SHOW TAG VALUES FROM "pcapflow_value" WITH KEY = "instance" WHERE "host" =~ /^$host$/',
             "multi": True, "includeAll": True, "refresh": 2, "sort": 1},
        ]
    return [
        datasource,
        {"name": "host", "label": "Host", "type": "query", "datasource": ds_ref,
         "query": {"query": "label_values(collectd_pcapflow_packets_total, instance)",
                   "refId": "host"},
         "definition": "label_values(collectd_pcapflow_packets_total, instance)",
         "multi": True, "includeAll": True, "allValue": ".*", "refresh": 2, "sort": 1},
        {"name": "source", "label": "Source", "type": "query", "datasource": ds_ref,
         "query": {"query": 'label_values(collectd_pcapflow_packets_total{instance=~"$host"}, pcapflow)',
                   "refId": "source"},
         "definition": 'label_values(collectd_pcapflow_packets_total{instance=~"$host"}, pcapflow)',
         "multi": True, "includeAll": True, "allValue": ".*", "refresh": 2, "sort": 1},
    ]


def make_panel(p, kind, ds_ref, next_id, gridpos):
    targets = []
    # A family panel draws every series whose name starts with it.
    for series in p.get("series") or [p["family"]]:
        for ds in p["ds"]:
            t = TARGETS[kind](series, ds, p)
            t["refId"] = "R%d" % len(targets)
            t["datasource"] = ds_ref
            targets.append(t)
    panel = {
        "type": "timeseries", "title": p["title"], "id": next_id, "datasource": ds_ref,
        "gridPos": gridpos,
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
        panel["fieldConfig"]["defaults"]["custom"]["stacking"] = {"mode": "normal", "group": "A"}
    if p.get("family") and kind != "graphite":
        prefix = split(p["family"])[1]
        if prefix:
            panel["transformations"] = [{"id": "renameByRegex", "options": {
                "regex": "^%s(.*)$" % prefix, "renamePattern": "$1"}}]
    return panel


def dashboard(spec, kind):
    ds_ref = {"type": kind, "uid": "${datasource}"}
    panels, next_id, y = [], 1, 0
    for row in spec["rows"]:
        panels.append({"type": "row", "title": row["title"], "id": next_id, "collapsed": False,
                       "gridPos": {"h": 1, "w": GRID_W, "x": 0, "y": y}, "panels": []})
        next_id += 1
        y += 1
        for i, p in enumerate(row["panels"]):
            grid = {"h": PANEL_H, "w": PANEL_W, "x": (i % 2) * PANEL_W, "y": y + (i // 2) * PANEL_H}
            panels.append(make_panel(p, kind, ds_ref, next_id, grid))
            next_id += 1
        y += ((len(row["panels"]) + 1) // 2) * PANEL_H
    return {
        "__requires": [{"type": "datasource", "id": kind, "name": KINDS[kind]},
                       {"type": "panel", "id": "timeseries", "name": "Time series"}],
        "title": "%s (%s)" % (spec["title"], KINDS[kind]),
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
    # Rows of an analysis of their own (panels-dns.json, ...) follow, in
    # the order of their names: one file each, so they change apart.
    for extra in sorted(glob.glob(os.path.join(HERE, "panels-*.json"))):
        with open(extra) as f:
            spec["rows"].extend(json.load(f)["rows"])
    for kind in KINDS:
        path = os.path.join(out, "pcapflow-%s.json" % kind)
        with open(path, "w") as f:
            json.dump(dashboard(spec, kind), f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
