package gantt

import "strconv"

// rows draws the row labels, clipped to their column by a nested viewport (no id needed),
// then the bars.
func (r *renderer) rows() {
	if len(r.l.Rows) == 0 {
		r.text("g-muted", 16, r.l.BodyTop+17, "No tasks")
	}
	r.s(`<svg overflow="hidden"`)
	r.attr("width", r.l.LabelWidth-6)
	r.attr("height", r.l.Height)
	r.s(">\n")
	for i := range r.l.Rows {
		row := &r.l.Rows[i]
		t := &r.c.Tasks[row.Task]
		r.label(row, t, safeURL(t.URL))
		r.maybeFlush()
	}
	r.s("</svg>\n")
	for i := range r.l.Rows {
		row := &r.l.Rows[i]
		if t := &r.c.Tasks[row.Task]; row.HasBar {
			r.bar(row, t, safeURL(t.URL))
			r.maybeFlush()
		}
	}
}

// label writes the row label, indented by depth and cut to the label column; a cut label keeps
// its full title as a tooltip.
func (r *renderer) label(row *Row, t *Task, linked bool) {
	x := 16 + min(row.Depth, maxIndent)*indentStep
	title := t.Title
	if title == "" {
		title = "Untitled"
	}
	if linked {
		r.s(`<a href="`)
		r.esc(t.URL)
		r.s(`">`)
	}
	n, cut := fit(title, 12, r.l.LabelWidth-x-10)
	if cut {
		r.s("<title>")
		r.esc(title)
		r.s("</title>")
	}
	if row.Parent {
		r.s(`<text class="g-lbl g-par"`)
	} else {
		r.s(`<text class="g-lbl"`)
	}
	r.attr("x", x)
	r.attr("y", row.Y+15)
	r.b = append(r.b, '>')
	r.b = appendCut(r.b, title, n, cut)
	r.s("</text>")
	if linked {
		r.s("</a>")
	}
	r.b = append(r.b, '\n')
}

// kindClass is the class that colours a bar by kind.
func kindClass(kind string) string {
	switch kind {
	case KindMilestone:
		return "g-k-milestone"
	case KindDeliverable:
		return "g-k-deliverable"
	case KindIssue:
		return "g-k-issue"
	}
	return "g-k-task"
}

// bar writes the bar (or diamond), its progress, baseline and budget label, with a tooltip. The
// bar's link is left out of the tab order: the row label is the same link.
func (r *renderer) bar(row *Row, t *Task, linked bool) {
	if linked {
		r.s(`<a href="`)
		r.esc(t.URL)
		r.s(`" tabindex="-1" class="`)
	} else {
		r.s(`<g class="`)
	}
	r.s(kindClass(t.Kind))
	if t.Status == StatusDone {
		r.s(" g-done")
	}
	if row.Late {
		r.s(" g-late")
	}
	r.s(`"><title>`)
	r.tooltip(row, t)
	r.s("</title>")
	if row.HasBaseline {
		r.rect("g-base", row.Baseline, 1)
	}
	b := row.Bar
	if row.Milestone {
		cx, cy := b.X+b.W/2, b.Y+b.H/2
		r.s(`<polygon class="g-ms" points="`)
		r.pt(cx, b.Y)
		r.b = append(r.b, ' ')
		r.pt(b.X+b.W, cy)
		r.b = append(r.b, ' ')
		r.pt(cx, b.Y+b.H)
		r.b = append(r.b, ' ')
		r.pt(b.X, cy)
		r.s(`"/>`)
	} else {
		r.rect("g-bar", b, 3)
		if p := min(max(t.Percent, 0), 100); p > 0 {
			r.rect("g-pct", Rect{b.X, b.Y, max(b.W*p/100, 2), b.H}, 3)
		}
	}
	if t.BudgetUsed != nil {
		r.budget(row, max(*t.BudgetUsed, 0))
	}
	if linked {
		r.s("</a>\n")
	} else {
		r.s("</g>\n")
	}
}

// budget writes "62% of budget" after the bar, or before it when there is no room.
func (r *renderer) budget(row *Row, used int) {
	var buf [32]byte
	label := append(strconv.AppendInt(buf[:0], int64(used), 10), "% of budget"...)
	w := px(textWidth(string(label)), 10)
	start, end := row.Bar.X, row.Bar.X+row.Bar.W
	if row.HasBaseline {
		start, end = min(start, row.Baseline.X), max(end, row.Baseline.X+row.Baseline.W)
	}
	if used > 100 {
		r.s(`<text class="g-budget g-over"`)
	} else {
		r.s(`<text class="g-budget"`)
	}
	if x := end + stub + 4; x+w <= r.l.Width-4 {
		r.attr("x", x)
	} else {
		r.s(` text-anchor="end"`)
		r.attr("x", max(start-6, r.l.LabelWidth+w+4))
	}
	r.attr("y", row.Y+15)
	r.b = append(r.b, '>')
	r.b = append(r.b, label...)
	r.s("</text>")
}

// tooltip writes "Title: 3 Mar – 14 Mar 2026 · 40% done · In progress · overdue ·
// baseline 1 Mar – 10 Mar 2026 · 62% of budget used".
func (r *renderer) tooltip(row *Row, t *Task) {
	if t.Title == "" {
		r.s("Untitled")
	} else {
		r.esc(t.Title)
	}
	if row.Milestone {
		r.s(" (milestone)")
	}
	r.s(": ")
	r.b = appendDateRange(r.b, row.from, row.to)
	if !row.Milestone {
		r.s(" · ")
		r.n(min(max(t.Percent, 0), 100))
		r.s("% done")
	}
	if t.Status != "" {
		r.s(" · ")
		r.status(t.Status)
	}
	if row.Late {
		r.s(" · overdue")
	}
	if row.HasBaseline {
		r.s(" · baseline ")
		r.b = appendDateRange(r.b, row.bfrom, row.bto)
	}
	if t.BudgetUsed != nil {
		r.s(" · ")
		r.n(max(*t.BudgetUsed, 0))
		r.s("% of budget used")
	}
}

// status writes a status category as words: "in_progress" → "In progress".
func (r *renderer) status(s string) {
	n := len(r.b)
	r.esc(s)
	for i := n; i < len(r.b); i++ {
		if r.b[i] == '_' {
			r.b[i] = ' '
		}
	}
	if c := r.b[n]; c >= 'a' && c <= 'z' {
		r.b[n] = c - 'a' + 'A'
	}
}

// Legend entries, in drawing order.
const (
	legTask = iota
	legDeliverable
	legIssue
	legMilestone
	legBaseline
	legLate
	legCount
)

var legendLabels = [legCount]string{"Task", "Deliverable", "Issue", "Milestone", "Baseline", "Overdue"}

// legendSet reports which entries the chart needs: only what is drawn, so a client's chart
// never mentions baselines.
func (r *renderer) legendSet() (set [legCount]bool) {
	for i := range r.l.Rows {
		row := &r.l.Rows[i]
		if !row.HasBar {
			continue
		}
		switch kindClass(r.c.Tasks[row.Task].Kind) {
		case "g-k-milestone":
			set[legMilestone] = true
		case "g-k-deliverable":
			set[legDeliverable] = true
		case "g-k-issue":
			set[legIssue] = true
		default:
			set[legTask] = true
		}
		set[legBaseline] = set[legBaseline] || row.HasBaseline
		set[legLate] = set[legLate] || row.Late
	}
	return set
}

const legendSwatch, legendGap = 14, 16

// legendWidth is the legend's width, 0 when there is nothing to show or no room for it.
func (r *renderer) legendWidth() int {
	if r.legendW >= 0 {
		return r.legendW
	}
	r.legend = r.legendSet()
	w := 0
	for i, on := range r.legend {
		if on {
			w += legendSwatch + 5 + px(textWidth(legendLabels[i]), 11) + legendGap
		}
	}
	r.legendW = max(w-legendGap, 0)
	if r.legendW > r.l.Width-300 {
		r.legendW = 0
	}
	return r.legendW
}

// drawLegend writes the legend at the right of the title row.
func (r *renderer) drawLegend() {
	if r.legendWidth() == 0 {
		return
	}
	x := r.l.Width - 16 - r.legendW
	r.s(`<g class="g-legend">`)
	for i, on := range r.legend {
		if !on {
			continue
		}
		switch i {
		case legMilestone:
			r.s(`<polygon class="g-ms" points="`)
			r.pt(x+7, 15)
			r.b = append(r.b, ' ')
			r.pt(x+13, 21)
			r.b = append(r.b, ' ')
			r.pt(x+7, 27)
			r.b = append(r.b, ' ')
			r.pt(x+1, 21)
			r.s(`"/>`)
		case legBaseline:
			r.rect("g-base", Rect{x, 20, legendSwatch, 3}, 1)
		default:
			cls := [...]string{legTask: "g-k-task", legDeliverable: "g-k-deliverable", legIssue: "g-k-issue", legLate: "g-k-task g-late"}[i]
			r.s(`<g class="`)
			r.s(cls)
			r.s(`">`)
			r.rect("g-bar", Rect{x, 16, legendSwatch, 10}, 2)
			if i != legLate {
				r.rect("g-pct", Rect{x, 16, legendSwatch / 2, 10}, 2)
			}
			r.s("</g>")
		}
		r.text("g-legend", x+legendSwatch+5, 25, legendLabels[i])
		x += legendSwatch + 5 + px(textWidth(legendLabels[i]), 11) + legendGap
	}
	r.s("</g>\n")
}
