// The report page: one HTML file with everything inline — styles, d3-hierarchy's UMD build (read
// from node_modules), the page script and the data — so it opens from disk with no network.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReportData } from './data';

const ASSETS = path.join(__dirname, 'assets');

function d3HierarchySource(): string {
  // The package exports its ESM build; the UMD file (global `d3`) sits beside it in dist/.
  const dist = path.dirname(require.resolve('d3-hierarchy'));
  return fs.readFileSync(path.join(dist, 'd3-hierarchy.min.js'), 'utf8');
}

/** JSON that is safe inside <script>: no `</script>`, no HTML comment openers, no line separators
 * that old parsers treat as newlines. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Inline script text must not contain a closing script tag either. */
function inlineScript(src: string): string {
  return src.replace(/<\/script/gi, '<\\/script');
}

export function renderReportHtml(data: ReportData): string {
  const css = fs.readFileSync(path.join(ASSETS, 'report.css'), 'utf8');
  const js = fs.readFileSync(path.join(ASSETS, 'report.js'), 'utf8');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="josh-harvest report">
<title>josh report</title>
<style>
${css}</style>
</head>
<body>
<header><h1 id="title">Run</h1><div class="sub" id="subtitle"></div></header>
<main>
<section id="summary"></section>
<section id="conversations"></section>
<section id="viewer" hidden></section>
<noscript>This report draws its charts and search trees with JavaScript; please enable it.</noscript>
</main>
<script type="application/json" id="report-data">${scriptSafeJson(data)}</script>
<script>
${inlineScript(d3HierarchySource())}
</script>
<script>
${inlineScript(js)}</script>
</body>
</html>
`;
}
