package gantt

import (
	"io"
	"strconv"
)

// Render lays out c and writes it to w as a standalone SVG document. It fails on an unknown zoom
// or when w fails. The output depends only on c: the same chart gives the same bytes.
func Render(w io.Writer, c Chart) error {
	l, err := NewLayout(c)
	if err != nil {
		return err
	}
	r := &renderer{out: out{w: w, b: make([]byte, 0, 2*flushAt)}, l: l, c: &c, legendW: -1}
	r.open()
	r.background()
	if l.Today.Show { // the header part of the today line, under the header labels
		r.s(`<path class="g-today-line" d="`)
		r.vline(l.Today.X, markerTop+10, l.BodyTop)
		r.s("\"/>\n")
	}
	r.header()
	r.drawLegend()
	r.projectLines()
	r.connectors()
	r.rows()
	r.today()
	r.s("</svg>\n")
	return r.flush()
}

// Vertical bands of the header, from the top.
const (
	markerTop = titleHeight              // the "Today" and project date labels
	groupTop  = markerTop + markerHeight // months or years
	unitTop   = groupTop + groupHeight   // days, weeks or months
)

type renderer struct {
	out
	l       *Layout
	c       *Chart
	legend  [legCount]bool // set by legendWidth
	legendW int            // -1 until legendWidth has run
}

// bodyBottom is the y under the last row.
func (r *renderer) bodyBottom() int { return r.l.BodyTop + max(len(r.l.Rows), 1)*rowHeight }

func (r *renderer) open() {
	l := r.l
	r.s(`<svg xmlns="http://www.w3.org/2000/svg" class="portico-gantt" width="`)
	r.n(l.Width)
	r.s(`" height="`)
	r.n(l.Height)
	r.s(`" viewBox="0 0 `)
	r.n(l.Width)
	r.b = append(r.b, ' ')
	r.n(l.Height)
	// Not role="img": its children are presentational, which would hide the links from
	// assistive technology. graphics-document is what an <svg> maps to anyway.
	r.s(`" role="graphics-document" aria-label="`)
	r.name()
	r.s(`" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" font-size="12">` + "\n<title>")
	r.name()
	r.s("</title>\n<desc>")
	r.summary()
	r.s("</desc>\n")
	r.s(styleSheet)
	r.s(defs)
}

// defs are the same for every chart, so that charts inlined side by side in one page can share
// the one id.
const defs = `<defs><marker id="portico-gantt-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto"><path class="g-arrow" d="M0 0L8 4L0 8z"/></marker></defs>` + "\n"

// name writes the chart's accessible name.
func (r *renderer) name() {
	r.s("Gantt chart")
	if r.c.Title != "" {
		r.s(": ")
		r.esc(r.c.Title)
	}
}

// summary writes "12 tasks from 3 Mar 2026 to 14 Jun 2026. Today is 5 Apr 2026."
func (r *renderer) summary() {
	r.n(len(r.c.Tasks))
	if len(r.c.Tasks) == 1 {
		r.s(" task")
	} else {
		r.s(" tasks")
	}
	if r.l.first != noDay {
		r.s(" from ")
		r.b = appendDate(r.b, r.l.first, true)
		r.s(" to ")
		r.b = appendDate(r.b, r.l.last, true)
	}
	r.b = append(r.b, '.')
	if d := dayOf(r.c.Today); d != noDay {
		r.s(" Today is ")
		r.b = appendDate(r.b, d, true)
		r.b = append(r.b, '.')
	}
}

// background draws the panel, header band, row stripes, weekends and grid lines.
func (r *renderer) background() {
	l, bottom := r.l, r.bodyBottom()
	r.rect("g-bg", Rect{0, 0, l.Width, l.Height}, 0)
	r.rect("g-head", Rect{0, 0, l.Width, l.BodyTop}, 0)
	r.s(`<path class="g-zebra" d="`)
	for y := l.BodyTop + rowHeight; y < bottom; y += 2 * rowHeight {
		r.hline(0, l.Width, y)
		r.b = append(r.b, 'v')
		r.n(rowHeight)
		r.s("H0z")
	}
	r.s("\"/>\n")
	if l.Zoom == ZoomDay {
		r.s(`<path class="g-we" d="`)
		for _, u := range l.Units {
			if u.Weekend {
				r.b = append(r.b, 'M')
				r.pt(u.X, unitTop)
				r.b = append(r.b, 'h')
				r.n(u.Width)
				r.b = append(r.b, 'V')
				r.n(bottom)
				r.b = append(r.b, 'h')
				r.n(-u.Width)
				r.b = append(r.b, 'z')
			}
		}
		r.s("\"/>\n")
	}
	r.s(`<path class="g-grid" d="`)
	for _, u := range l.Units[1:] {
		r.vline(u.X, unitTop, bottom)
	}
	r.hline(l.LabelWidth, l.Width, unitTop)
	r.s("\"/>\n" + `<path class="g-grid2" d="`)
	for _, g := range l.Groups[1:] {
		r.vline(g.X, groupTop, bottom)
	}
	r.s("\"/>\n" + `<path class="g-rule" d="`)
	r.hline(0, l.Width, groupTop)
	r.hline(0, l.Width, l.BodyTop)
	r.vline(l.LabelWidth, groupTop, bottom)
	r.s("\"/>\n")
}

// header writes the title and the axis labels.
func (r *renderer) header() {
	l := r.l
	r.s(`<text class="g-title" x="16" y="26">`)
	r.b, _ = appendFitted(r.b, r.c.Title, 15, l.Width-r.legendWidth()-48)
	r.s("</text>\n")
	r.s(`<text class="g-muted" x="16"`)
	r.attr("y", l.BodyTop-9)
	r.s(">Task</text>\n")
	for _, g := range l.Groups {
		if px(textWidth(g.Label), 11)+12 > g.Width {
			continue // a sliver of a month at an edge
		}
		r.text("g-grp", g.X+8, groupTop+15, g.Label)
	}
	for _, u := range l.Units {
		switch l.Zoom {
		case ZoomDay:
			r.s(`<text class="g-unit" text-anchor="middle"`)
			r.attr("x", u.X+u.Width/2)
			r.attr("y", unitTop+28)
			r.s(`><tspan class="g-wd"`)
			r.attr("x", u.X+u.Width/2)
			r.attr("y", unitTop+13)
			r.b = append(r.b, '>')
			r.s(dayShort[weekday(u.day)][:1])
			r.s(`</tspan><tspan`)
			r.attr("x", u.X+u.Width/2)
			r.attr("y", unitTop+27)
			r.b = append(r.b, '>')
			r.s(u.Label)
			r.s("</tspan></text>\n")
		default:
			r.text("g-unit", u.X+6, unitTop+16, u.Label)
		}
	}
}

// projectLines draws the project's start and due dates as dashed lines with small labels,
// leaving out a label that would run into the "Today" pill or the other label.
func (r *renderer) projectLines() {
	l := r.l
	var taken [][2]int
	if l.Today.Show {
		taken = append(taken, [2]int{l.Today.X - todayPillHalf - 4, l.Today.X + todayPillHalf + 4})
	}
	for i, m := range [...]Marker{l.ProjectStart, l.ProjectDue} {
		if !m.Show {
			continue
		}
		label, anchor := "Project start", m.X+4
		if i == 1 {
			label = "Project due"
		}
		w := px(textWidth(label), 10)
		if i == 1 {
			anchor = m.X - 4 - w
		}
		r.s(`<path class="g-proj" d="`)
		r.vline(m.X, markerTop+4, r.bodyBottom())
		r.s("\"/>\n")
		span := [2]int{anchor, anchor + w}
		if span[0] < l.LabelWidth || span[1] > l.Width || overlaps(span, taken) {
			continue
		}
		taken = append(taken, span)
		r.text("g-projl", anchor, markerTop+14, label)
	}
}

func overlaps(s [2]int, taken [][2]int) bool {
	for _, t := range taken {
		if s[0] < t[1] && t[0] < s[1] {
			return true
		}
	}
	return false
}

// connectors draws the dependencies under the bars; the arrowhead comes from the group's
// marker-end, which paths inherit.
func (r *renderer) connectors() {
	if len(r.l.Connectors) == 0 {
		return
	}
	r.s(`<g class="g-deps" marker-end="url(#portico-gantt-arrow)" aria-hidden="true">` + "\n")
	for _, c := range r.l.Connectors {
		p := c.Points
		r.s(`<path d="M`)
		r.pt(p[0].X, p[0].Y)
		for k := 1; k < len(p); k++ {
			if p[k].Y == p[k-1].Y {
				r.b = append(r.b, 'H')
				r.n(p[k].X)
			} else {
				r.b = append(r.b, 'V')
				r.n(p[k].Y)
			}
		}
		r.s("\"/>\n")
		r.maybeFlush()
	}
	r.s("</g>\n")
}

const todayPillHalf = 24

// today draws the red line over the rows, and its "Today" pill, when today is on the axis.
func (r *renderer) today() {
	l := r.l
	if !l.Today.Show {
		return
	}
	r.s(`<g class="g-today"><title>Today, `)
	r.b = appendDate(r.b, dayOf(r.c.Today), true)
	r.s(`</title><path class="g-today-line" d="`)
	r.vline(l.Today.X, l.BodyTop, r.bodyBottom())
	r.s(`"/>`)
	x := min(max(l.Today.X-todayPillHalf, l.LabelWidth+1), l.Width-2*todayPillHalf-1)
	r.s(`<rect class="g-today-pill" rx="8"`)
	r.attr("x", x)
	r.attr("y", markerTop+1)
	r.attr("width", 2*todayPillHalf)
	r.s(` height="17"/><text class="g-today-text" text-anchor="middle"`)
	r.attr("x", x+todayPillHalf)
	r.attr("y", markerTop+13)
	r.s(">Today</text></g>\n")
}

// flushAt is the buffered size at which the renderer writes to w.
const flushAt = 32 << 10

// out appends SVG to a buffer and writes it out in chunks; the first write error sticks.
type out struct {
	w   io.Writer
	b   []byte
	err error
}

func (o *out) s(s string)   { o.b = append(o.b, s...) }
func (o *out) n(v int)      { o.b = strconv.AppendInt(o.b, int64(v), 10) }
func (o *out) esc(s string) { o.b = appendEscaped(o.b, s) }

// attr writes ` name="v"`.
func (o *out) attr(name string, v int) {
	o.b = append(o.b, ' ')
	o.b = append(o.b, name...)
	o.b = append(o.b, '=', '"')
	o.n(v)
	o.b = append(o.b, '"')
}

// pt writes "x y".
func (o *out) pt(x, y int) {
	o.n(x)
	o.b = append(o.b, ' ')
	o.n(y)
}

// vline and hline write path segments.
func (o *out) vline(x, y1, y2 int) {
	o.b = append(o.b, 'M')
	o.pt(x, y1)
	o.b = append(o.b, 'V')
	o.n(y2)
}

func (o *out) hline(x1, x2, y int) {
	o.b = append(o.b, 'M')
	o.pt(x1, y)
	o.b = append(o.b, 'H')
	o.n(x2)
}

// rect writes a rectangle with corner radius rx.
func (o *out) rect(class string, r Rect, rx int) {
	o.s(`<rect class="`)
	o.s(class)
	o.b = append(o.b, '"')
	o.attr("x", r.X)
	o.attr("y", r.Y)
	o.attr("width", r.W)
	o.attr("height", r.H)
	if rx > 0 {
		o.attr("rx", rx)
	}
	o.s("/>")
}

// text writes escaped text at x, y.
func (o *out) text(class string, x, y int, s string) {
	o.s(`<text class="`)
	o.s(class)
	o.b = append(o.b, '"')
	o.attr("x", x)
	o.attr("y", y)
	o.b = append(o.b, '>')
	o.esc(s)
	o.s("</text>\n")
}

func (o *out) maybeFlush() {
	if len(o.b) >= flushAt {
		o.flush()
	}
}

func (o *out) flush() error {
	if o.err == nil && len(o.b) > 0 {
		_, o.err = o.w.Write(o.b)
	}
	o.b = o.b[:0]
	return o.err
}
