// Charts on pages that carry their data in data-* attributes; ECharts is installed at set-up time
// (npm pack) into /static/vendor, never loaded from a CDN.
(function () {
  if (typeof echarts === "undefined") return;
  var el = document.getElementById("sources-chart");
  if (!el) return;
  var rows = JSON.parse(el.dataset.sources || "[]");
  var narrow = el.clientWidth < 560;
  var chart = echarts.init(el);
  chart.setOption({
    grid: { left: 8, right: 24, top: 10, bottom: 10, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value" },
    yAxis: {
      type: "category",
      inverse: true,
      axisLabel: { width: narrow ? 120 : 300, overflow: "truncate" },
      data: rows.map(function (r) { return narrow ? r.resource : r.department + " · " + r.resource; }),
    },
    series: [{ type: "bar", data: rows.map(function (r) { return r.records; }), itemStyle: { color: "#c8102e" } }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
