/* The dashboard: fetch the JSON, draw small SVG charts and tables. No libraries. */
(function () {
  "use strict";
  var root = document.getElementById("dash");
  var cmp = document.getElementById("compare");
  if (!root) { return; }
  var NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a"];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function pct(v) { return v === null || v === undefined ? "—" : v + "%"; }
  /* A chart drawn at the width it is shown at (one SVG unit = one pixel), so that its
     words keep their size on a phone instead of shrinking with a 720-wide drawing. */
  function widthOf(box) { return Math.min(Math.max(Math.round(box.clientWidth) || 720, 280), 900); }

  function rateBars(box, lines) {
    box.innerHTML = "";
    var keys = [["response", "响应率"], ["resolve", "解决率"], ["satisfaction", "满意率"]];
    var any = lines.some(function (l) { return keys.some(function (k) { return l[k[0]] !== null && l[k[0]] !== undefined; }); });
    if (!any) { box.appendChild(el("p", {"class": "muted"}, "本期没有可计算三率的工单")); return; }
    var w = widthOf(box), labelW = Math.min(160, Math.round(w * 0.3)), barMax = w - labelW - 60;
    var rowH = 22, groupH = rowH * keys.length + 12, h = groupH * lines.length + 24;
    var s = svg("svg", {viewBox: "0 0 " + w + " " + h, role: "img"});
    keys.forEach(function (k, i) {
      s.appendChild(svg("rect", {x: i * 90, y: 4, width: 12, height: 12, fill: COLORS[i]}));
      s.appendChild(svg("text", {x: 16 + i * 90, y: 15, "font-size": 13, fill: "currentColor"}, k[1]));
    });
    lines.forEach(function (line, n) {
      var y0 = 24 + n * groupH;
      s.appendChild(svg("text", {x: 0, y: y0 + groupH / 2, "font-size": 14, fill: "currentColor"}, line.label));
      keys.forEach(function (k, i) {
        var v = line[k[0]], y = y0 + i * rowH;
        var bw = v === null || v === undefined ? 0 : barMax * v / 100;
        s.appendChild(svg("rect", {x: labelW, y: y + 4, width: Math.max(bw, 1), height: rowH - 8, fill: COLORS[i], rx: 3}));
        s.appendChild(svg("text", {x: labelW + 6 + bw, y: y + rowH - 9, "font-size": 13, fill: "currentColor"}, pct(v)));
      });
    });
    box.appendChild(s);
  }

  function weeks(box, data) {
    box.innerHTML = "";
    var w = widthOf(box), h = 240, pad = 30, max = 1;
    data.forEach(function (d) { max = Math.max(max, d.opened, d.resolved); });
    var s = svg("svg", {viewBox: "0 0 " + w + " " + h, role: "img"});
    var step = (w - 2 * pad) / Math.max(data.length - 1, 1);
    [["opened", "登记"], ["resolved", "办结"]].forEach(function (k, i) {
      var pts = data.map(function (d, j) {
        return (pad + j * step) + "," + (h - pad - (h - 2 * pad) * d[k[0]] / max);
      }).join(" ");
      s.appendChild(svg("polyline", {points: pts, fill: "none", stroke: COLORS[i], "stroke-width": 3}));
      s.appendChild(svg("text", {x: pad + i * 70, y: 16, "font-size": 13, fill: COLORS[i]}, "● " + k[1]));
    });
    data.forEach(function (d, j) {
      if (j % 2 === 0) {
        s.appendChild(svg("text", {x: pad + j * step, y: h - 8, "font-size": 11, "text-anchor": "middle", fill: "currentColor"}, d.week.slice(5)));
      }
    });
    s.appendChild(svg("text", {x: 2, y: pad, "font-size": 11, fill: "currentColor"}, String(max)));
    box.appendChild(s);
  }

  function table(box, title, head, rows) {
    box.innerHTML = "";
    if (!rows.length) { return; }
    box.appendChild(el("h3", {}, title));
    var t = el("table", {}), tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", {}, h)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (c) {
        var td = el("td", {});
        if (c && c.href) { td.appendChild(el("a", {href: c.href}, c.text)); } else { td.textContent = c; }
        row.appendChild(td);
      });
      t.appendChild(row);
    });
    var wrap = el("div", {"class": "scroll"});
    wrap.appendChild(t);
    box.appendChild(wrap);
  }

  function rates(box, title, lines) {
    table(box, title, ["", "登记", "办结", "本期超时", "响应率", "解决率", "满意率"], lines.map(function (l) {
      return [l.label, l.opened, l.resolved, l.overdue, pct(l.response), pct(l.resolve), pct(l.satisfaction)];
    }));
  }

  function draw(d) {
    document.getElementById("dash-title").textContent = d.community + " · " + d.period_label;
    var kpis = document.getElementById("kpis"), top = d.scope.community[0] || d.scope.grid[0];
    var none = top && !top.opened && !top.resolved ? "；本期没有登记或办结的工单" : "";
    document.getElementById("dash-updated").textContent = "统计区间 " + d.period[0] + " 至 " + d.period[1] + "，更新于 " + d.updated + none;
    kpis.innerHTML = "";
    if (top) {
      [["登记", top.opened], ["办结", top.resolved], ["本期超时", top.overdue], ["响应率", pct(top.response)],
       ["解决率", pct(top.resolve)], ["满意率", pct(top.satisfaction)]].forEach(function (k) {
        var tile = el("div", {"class": "kpi"});
        tile.appendChild(el("b", {}, String(k[1])));
        tile.appendChild(el("span", {}, k[0]));
        kpis.appendChild(tile);
      });
    }
    rateBars(document.getElementById("chart-grid"), d.scope.grid);
    weeks(document.getElementById("chart-weeks"), d.weeks);
    rates(document.getElementById("table-community"), "社区", d.scope.community);
    rates(document.getElementById("table-grid"), "网格", d.scope.grid);
    rates(document.getElementById("table-worker"), "网格员", d.scope.worker);
    rates(document.getElementById("table-category"), "类别", d.scope.category);
    var prefix = root.getAttribute("data-src").split("/api/")[0];
    var late = document.getElementById("overdue");
    var shown = d.overdue.rows.length < d.overdue.total ? "（最早的 " + d.overdue.rows.length + " 件）" : "";
    table(late, "共 " + d.overdue.total + " 件" + shown, ["编号", "类别", "环节", "时限", "负责人"],
      d.overdue.rows.map(function (o) { return [{href: prefix + "/cases/" + o.id, text: o.number}, o.category, o.stage, o.due, o.owner]; }));
    late.setAttribute("data-total", d.overdue.total);
    if (!d.overdue.total) { late.appendChild(el("p", {"class": "muted"}, "当前没有超时工单 👍")); }
    var b = d.buildings, box = document.getElementById("buildings");
    table(box, "", ["楼栋"].concat(b.categories, ["合计"]), b.rows.map(function (r) {
      return [r.building].concat(r.counts, [r.total]);
    }));
    if (!b.rows.length) { box.appendChild(el("p", {"class": "muted"}, "本期没有注明楼栋的工单")); }
    var max = 1;
    b.rows.forEach(function (r) { r.counts.forEach(function (n) { max = Math.max(max, n); }); });
    box.querySelectorAll("tr").forEach(function (tr, i) {
      if (i === 0) { return; }
      var r = b.rows[i - 1];
      r.counts.forEach(function (n, j) {
        var td = tr.children[j + 1];
        td.className = "n";
        if (n) { td.style.background = "rgba(198, 40, 40, " + (0.1 + 0.7 * n / max).toFixed(2) + ")"; }
      });
    });
  }

  /* The communities side by side: a table sorted by any column (click its head again
     to reverse; no data always last) and the three rates drawn in the same order. */
  var RATE_KEYS = {response: 1, resolve: 1, satisfaction: 1, found_share: 1};
  var compareState = {key: null, desc: true, data: null};
  function compareDraw() {
    var d = compareState.data, key = compareState.key, desc = compareState.desc;
    var rows = d.rows.slice();
    if (key) {
      rows.sort(function (a, b) {
        var x = a[key], y = b[key];
        if (x === null || x === undefined) { return (y === null || y === undefined) ? 0 : 1; }
        if (y === null || y === undefined) { return -1; }
        var c = typeof x === "string" ? x.localeCompare(y, "zh-CN") : x - y;
        return desc ? -c : c;
      });
    }
    document.getElementById("compare-period").textContent = d.period[0] + " 至 " + d.period[1];
    rateBars(document.getElementById("chart-compare"), rows);
    var box = document.getElementById("table-compare");
    box.innerHTML = "";
    var t = el("table", {id: "compare-table"}), tr = el("tr");
    d.columns.forEach(function (c) {
      var th = el("th", {"data-key": c[0], role: "button", tabindex: "0", "class": "sort"}, c[1]);
      if (c[0] === key) {
        th.setAttribute("aria-sort", desc ? "descending" : "ascending");
        th.textContent = c[1] + (desc ? " ▼" : " ▲");
      }
      th.addEventListener("click", function () {
        compareState.desc = compareState.key === c[0] ? !compareState.desc : c[0] !== "label";
        compareState.key = c[0];
        compareDraw();
      });
      tr.appendChild(th);
    });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = el("tr", {"data-id": r.id});
      d.columns.forEach(function (c) {
        var v = r[c[0]];
        row.appendChild(el("td", {"class": c[0] === "label" ? "" : "n"},
          RATE_KEYS[c[0]] ? pct(v) : String(v)));
      });
      t.appendChild(row);
    });
    box.appendChild(t);
  }
  /* One request per source at a time, given up after 30 s: the office screen refreshes
     every minute, and a slow server must not collect a pile of them. */
  var busy = {};
  function getJSON(url, done, failed) {
    if (busy[url]) { return; }
    busy[url] = true;
    var ctl = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctl) { ctl.abort(); } }, 30000);
    fetch(url, {credentials: "same-origin", signal: ctl ? ctl.signal : undefined})
      .then(function (r) { return r.json(); })
      .then(done)
      .catch(failed)
      .then(function () { clearTimeout(timer); busy[url] = false; });
  }
  function loadCompare() {
    if (!cmp) { return; }
    getJSON(cmp.getAttribute("data-src"), function (d) {
      if (d.error) { return; }
      compareState.data = d;
      compareDraw();
      cmp.setAttribute("data-loaded", "1");
    }, function () { document.getElementById("compare-period").textContent = "加载失败，稍后自动重试"; });
  }

  function load() {
    loadCompare();
    getJSON(root.getAttribute("data-src"), function (d) {
      if (d.error) { document.getElementById("dash-updated").textContent = d.error; return; }
      draw(d);
      root.setAttribute("data-loaded", "1");
    }, function () { document.getElementById("dash-updated").textContent = "加载失败，稍后自动重试"; });
  }
  load();
  var every = parseInt(root.getAttribute("data-refresh"), 10);
  if (every > 0) {
    setInterval(load, every * 1000);
    document.addEventListener("dblclick", function () {
      if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
    });
  }
})();
