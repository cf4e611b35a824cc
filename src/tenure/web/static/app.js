// Tenure pages: CSRF header for HTMX, and charts drawn with the vendored ECharts from JSON islands.
(function () {
  "use strict";
  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ""; }
  document.addEventListener("htmx:configRequest", function (e) { e.detail.headers["X-CSRF-Token"] = csrf(); });

  function data(el) { var s = document.getElementById(el.dataset.source); return s ? JSON.parse(s.textContent) : null; }
  function money(v) { return v == null ? "—" : Math.round(v).toLocaleString(); }
  function pct(v) { return v == null ? "—" : (100 * v).toFixed(1) + "%"; }
  var BLUE = "#2563eb", GREEN = "#16a34a", RED = "#dc2626", GREY = "#94a3b8";

  function customersUrl(metric, start, end, segment) {
    var q = new URLSearchParams({ metric: metric, start: start, end: end });
    if (segment) q.set("segment", segment);
    return "/customers?" + q.toString();
  }

  var builders = {
    waterfall: function (el, steps) {
      var base = [], up = [], labels = [], running = 0;
      steps.forEach(function (s) {
        labels.push(s.label);
        if (s.kind === "total") { base.push(0); up.push({ value: s.value, itemStyle: { color: GREY } }); running = s.value; }
        else {
          var v = s.value;
          base.push(v >= 0 ? running : running + v);
          up.push({ value: Math.abs(v), itemStyle: { color: v >= 0 ? GREEN : RED } });
          running += v;
        }
      });
      return {
        grid: { left: 60, right: 10, top: 10, bottom: 50 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: function (p) { var s = steps[p[1].dataIndex]; return s.label + ": " + money(s.value); } },
        xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: 20 } },
        yAxis: { type: "value" },
        series: [{ type: "bar", stack: "w", data: base, itemStyle: { color: "transparent" }, silent: true },
                 { type: "bar", stack: "w", data: up, cursor: "pointer" }]
      };
    },
    benchmarks: function (el, b) {
      var labels = ["This period, annualised"].concat(Object.keys(b.industries)).concat(["Goal"]);
      var values = [b.crr_annual].concat(Object.values(b.industries)).concat([b.goal]);
      return {
        grid: { left: 140, right: 30, top: 10, bottom: 20 },
        tooltip: { formatter: function (p) { return p.name + ": " + pct(p.value); } },
        xAxis: { type: "value", min: 0, max: 1, axisLabel: { formatter: function (v) { return 100 * v + "%"; } } },
        yAxis: { type: "category", data: labels, inverse: true },
        series: [{ type: "bar", data: values.map(function (v, i) { return { value: v, itemStyle: { color: i === 0 ? BLUE : GREY } }; }) }]
      };
    },
    trend: function (el, rows) {
      return {
        grid: { left: 60, right: 60, top: 30, bottom: 30 }, tooltip: { trigger: "axis" }, legend: { top: 0 },
        xAxis: { type: "category", data: rows.map(function (r) { return r.end; }) },
        yAxis: [{ type: "value", name: "MRR" }, { type: "value", name: "Customers" }],
        series: [{ name: "MRR", type: "line", data: rows.map(function (r) { return r.mrr; }), color: BLUE },
                 { name: "Customers", type: "line", yAxisIndex: 1, data: rows.map(function (r) { return r.customers; }), color: GREEN }]
      };
    },
    nps: function (el, rows) {
      return {
        grid: { left: 50, right: 10, top: 10, bottom: 30 }, tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: rows.map(function (r) { return r.end; }) },
        yAxis: { type: "value", min: -100, max: 100 },
        series: [{ name: "NPS", type: "line", data: rows.map(function (r) { return r.nps; }), color: BLUE }]
      };
    },
    "mrr-history": function (el, rows) {
      return {
        grid: { left: 50, right: 10, top: 10, bottom: 30 }, tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: rows.map(function (r) { return r.month; }) },
        yAxis: { type: "value" },
        series: [{ name: "MRR", type: "line", step: "start", areaStyle: { opacity: 0.15 }, data: rows.map(function (r) { return r.mrr; }), color: BLUE }]
      };
    },
    activity: function (el, rows) {
      return {
        grid: { left: 40, right: 10, top: 10, bottom: 30 }, tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: rows.map(function (r) { return r.week; }) },
        yAxis: { type: "value" },
        series: [{ name: "Events", type: "bar", data: rows.map(function (r) { return r.events; }), color: BLUE }]
      };
    },
    heatmap: function (el, cohorts) {
      var key = el.dataset.key, width = 0, cells = [];
      cohorts.forEach(function (c, i) { width = Math.max(width, c[key].length); c[key].forEach(function (v, k) { if (v != null) cells.push([k, i, Math.round(1000 * v) / 10]); }); });
      return {
        grid: { left: 70, right: 20, top: 10, bottom: 90 },
        tooltip: { formatter: function (p) { return cohorts[p.value[1]].cohort + ", month " + p.value[0] + ": " + p.value[2] + "%"; } },
        xAxis: { type: "category", data: Array.from({ length: width }, function (_, k) { return String(k); }), name: "months since start" },
        yAxis: { type: "category", data: cohorts.map(function (c) { return c.cohort; }), inverse: true },
        visualMap: { min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#eff6ff", BLUE] } },
        series: [{ type: "heatmap", data: cells, label: { show: width <= 18, fontSize: 9 } }]
      };
    }
  };

  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var d = data(el), build = builders[el.dataset.chart];
      if (!d || !build) return;
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(build(el, d));
      el.dataset.drawn = "1";
      if (el.dataset.chart === "waterfall") {
        chart.on("click", function (p) {
          var s = d[p.dataIndex];
          if (s && s.metric && el.dataset.start) window.location.href = customersUrl(s.metric, el.dataset.start, el.dataset.end, el.dataset.segment);
        });
      }
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
