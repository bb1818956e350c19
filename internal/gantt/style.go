package gantt

// The chart's colours are custom properties on the root, so the dark palette only swaps values.
// Dark applies on screen when the viewer's colour scheme is dark — for an inlined chart also
// when Portico's page sets data-theme="dark" — and never in print.
const (
	lightPalette = `--g-bg:#fff;--g-head:#f6f7f9;--g-zebra:#f9fafb;--g-we:#f0f2f5;--g-grid:#e7eaee;` +
		`--g-grid2:#cdd2d9;--g-text:#1b1e24;--g-muted:#5a606b;--g-task:#bcd0f5;--g-task-p:#3f6fd1;` +
		`--g-del:#b7e2da;--g-del-p:#1f8577;--g-iss:#f6d0b8;--g-iss-p:#c4622b;--g-ms:#3d4450;` +
		`--g-base:#9aa1ab;--g-dep:#8a919c;--g-late:#c32a22;--g-today:#d93025;--g-proj:#868d99;--g-focus:#2b5fd9`
	darkPalette = `--g-bg:#181b20;--g-head:#1f2329;--g-zebra:#1c1f25;--g-we:#22262d;--g-grid:#2a2f37;` +
		`--g-grid2:#3d434d;--g-text:#e6e8ec;--g-muted:#a1a7b3;--g-task:#2f4778;--g-task-p:#6f98ec;` +
		`--g-del:#1f4d46;--g-del-p:#4fb9a7;--g-iss:#5c3b29;--g-iss-p:#e58b58;--g-ms:#d2d6dd;` +
		`--g-base:#6c7380;--g-dep:#7d8592;--g-late:#ff6b5e;--g-today:#ff5a4e;--g-proj:#7d8592;--g-focus:#8ab0ff`

	styleSheet = "<style>\n" +
		`.portico-gantt{` + lightPalette + "}\n" +
		`@media screen and (prefers-color-scheme:dark){svg.portico-gantt:root,:root:not([data-theme=light]) .portico-gantt{` + darkPalette + "}}\n" +
		`:root[data-theme=dark] .portico-gantt{` + darkPalette + "}\n" +
		`@media print{svg.portico-gantt.portico-gantt.portico-gantt{` + lightPalette + "}}\n" +
		`.portico-gantt text{fill:var(--g-text)}
.g-bg{fill:var(--g-bg)}.g-head{fill:var(--g-head)}.g-zebra{fill:var(--g-zebra)}.g-we{fill:var(--g-we)}
.g-grid,.g-grid2,.g-rule,.g-proj,.g-today-line,.g-deps{fill:none}
.g-grid{stroke:var(--g-grid)}.g-grid2,.g-rule{stroke:var(--g-grid2)}
.g-grid,.g-grid2,.g-rule,.g-we{shape-rendering:crispEdges}
.portico-gantt .g-muted,.portico-gantt .g-unit,.portico-gantt .g-budget,.portico-gantt .g-projl{fill:var(--g-muted)}
.g-title{font-size:15px;font-weight:600}.g-grp{font-size:11px;font-weight:600}.g-unit{font-size:11px}
.g-wd{font-size:9px}.g-budget,.g-projl{font-size:10px}.g-par{font-weight:600}.g-legend{font-size:11px}
.portico-gantt a{cursor:pointer}.portico-gantt a:hover .g-lbl{text-decoration:underline}
.portico-gantt a:focus-visible{outline:2px solid var(--g-focus);outline-offset:1px}
.g-bar{fill:var(--g-task)}.g-pct{fill:var(--g-task-p)}
.g-k-deliverable .g-bar{fill:var(--g-del)}.g-k-deliverable .g-pct{fill:var(--g-del-p)}
.g-k-issue .g-bar{fill:var(--g-iss)}.g-k-issue .g-pct{fill:var(--g-iss-p)}
.g-ms{fill:var(--g-ms)}.g-base{fill:var(--g-base)}.g-done{opacity:.55}
.g-late .g-bar,.g-late .g-ms{stroke:var(--g-late);stroke-width:1.5}
.portico-gantt .g-over{fill:var(--g-late);font-weight:600}
.g-deps{stroke:var(--g-dep);stroke-width:1.25}.g-arrow{fill:var(--g-dep)}
.g-proj{stroke:var(--g-proj);stroke-dasharray:4 3}
.g-today-line{stroke:var(--g-today);stroke-width:1.5}.g-today-pill{fill:var(--g-today)}
.portico-gantt .g-today-text{fill:#fff;font-size:10px;font-weight:600}
</style>
`
)
