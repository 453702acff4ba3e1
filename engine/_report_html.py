"""The HTML report's page template (:mod:`engine.report` fills it).  Self-contained: the
plotly.js bundle is pasted in, styles are inline, and nothing refers to the network."""

from string import Template

PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mcdesk $version">
<title>$title</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       margin: 2em auto; max-width: 1100px; color: #1d2330; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { border-bottom: 2px solid #d8dee9; padding-bottom: .2em; margin-top: 2em; }
h3 { margin-top: 1.4em; }
table { border-collapse: collapse; margin: .6em 0 1em; font-size: .92em; }
th, td { border: 1px solid #d8dee9; padding: .25em .6em; text-align: right; }
th { background: #eef1f6; }
td.name, th.name { text-align: left; }
.muted { color: #5c6679; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(330px, 1fr));
          gap: 1em; }
.chart { height: 340px; border: 1px solid #e3e8ef; }
.flag { color: #b3261e; font-weight: 600; }
</style>
<script>$plotlyjs</script>
</head>
<body>
<h1>$title</h1>
<p class="muted">$subtitle</p>
$body
<script type="application/json" id="mcdesk-figures">$figures</script>
<script>
(function () {
  var figs = JSON.parse(document.getElementById("mcdesk-figures").textContent);
  Object.keys(figs).forEach(function (id) {
    var f = figs[id];
    Plotly.newPlot(id, f.data, f.layout,
                   {displaylogo: false, responsive: true, showLink: false});
  });
})();
</script>
</body>
</html>
""")
