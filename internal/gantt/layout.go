package gantt

import (
	"slices"
	"strconv"
	"time"
)

// Geometry, in SVG user units (CSS px at 100 %).
const (
	labelWidth   = 280 // the row label column
	rowHeight    = 26
	barInset     = 5  // bar top below the row top
	barHeight    = 12 // bar centre 11 px below the row top
	baselineTop  = 19 // baseline bar top below the row top
	baselineH    = 3
	diamondR     = 7 // half the diagonal of a milestone diamond
	titleHeight  = 40
	markerHeight = 20 // the lane for the "Today" and project date labels
	groupHeight  = 22 // months or years
	indentStep   = 14
	maxIndent    = 8
	minTimeline  = 560 // narrow charts get more days so the header stays readable
	stub         = 8   // horizontal run of a connector before it turns
	bodyPadding  = 12  // below the last row
)

func dayWidth(z Zoom) int {
	switch z {
	case ZoomDay:
		return 28
	case ZoomMonth:
		return 4
	}
	return 12
}

func unitHeight(z Zoom) int {
	if z == ZoomDay {
		return 32 // weekday initial over the day of the month
	}
	return 24
}

// Layout is a computed chart: everything Render draws, positioned in SVG user units.
type Layout struct {
	Zoom          Zoom
	Width, Height int
	LabelWidth    int // the row label column; the timeline starts at x = LabelWidth
	BodyTop       int // y of the first row
	RowHeight     int
	DayWidth      int
	// Start is the first day on the axis and End the day after the last. The axis spans the
	// tasks' dates, their baselines and the project dates, padded and snapped to whole weeks
	// (day, week) or months; with no dates at all it is centred on Today. It is at most about
	// 3 (day), 10 (week) or 40 (month) years long, around Today; bars beyond are clipped.
	Start, End time.Time
	Units      []Tick // one per day, week or month: grid lines and the lower header
	Groups     []Tick // months (day and week zoom) or years (month zoom): the upper header
	Rows       []Row
	Connectors []Connector
	Today      Marker // the middle of today's column
	// ProjectStart is at the start of its day and ProjectDue at the end of its day.
	ProjectStart, ProjectDue Marker

	start, end  int // Start and End as day numbers
	first, last int // the dates' range before padding (noDay when nothing is dated)
}

// Tick is one header cell.
type Tick struct {
	X, Width int
	Label    string
	Weekend  bool // a Saturday or Sunday in day zoom
	day      int
}

// Marker is a vertical line at X, drawn when Show is set.
type Marker struct {
	X    int
	Show bool
}

// Rect is an axis-aligned rectangle.
type Rect struct{ X, Y, W, H int }

// Point is a point.
type Point struct{ X, Y int }

// Row is one task's row.
type Row struct {
	Task   int  // index into Chart.Tasks
	Depth  int  // 0 for top-level rows
	Parent bool // the task has children in the chart
	Y      int  // top of the row
	// Bar is the task's bar, or a milestone's diamond bounds; zero when HasBar is false.
	Bar       Rect
	HasBar    bool
	Milestone bool
	// Baseline is the thin bar under Bar; zero when HasBaseline is false.
	Baseline    Rect
	HasBaseline bool
	Late        bool // not done and due before Today

	from, to   int // bar days, inclusive
	bfrom, bto int // baseline days, inclusive
}

// Connector is a dependency's elbow path from the end of From's bar to the start of To's.
type Connector struct {
	From, To int // indexes into Layout.Rows
	// Points are joined by horizontal and vertical runs. The last run ends on To's bar: from
	// the left at its start, or from above or below near its start (see route).
	Points []Point
}

// NewLayout lays out c. It fails only on an unknown zoom.
func NewLayout(c Chart) (*Layout, error) {
	z, err := ParseZoom(string(c.Zoom))
	if err != nil {
		return nil, err
	}
	l := &Layout{Zoom: z, LabelWidth: labelWidth, RowHeight: rowHeight, DayWidth: dayWidth(z)}
	l.BodyTop = titleHeight + markerHeight + groupHeight + unitHeight(z)

	rows, index := orderRows(c.Tasks)
	l.Rows = rows
	today := dayOf(c.Today)
	lo, hi := l.placeDays(c, today)
	ps, pd := noDay, noDay
	if c.ProjectStart != nil {
		ps = dayOf(*c.ProjectStart)
	}
	if c.ProjectDue != nil {
		pd = dayOf(*c.ProjectDue)
	}
	for _, d := range [...]int{ps, pd} {
		lo, hi = widen(lo, hi, d, d)
	}
	l.first, l.last = lo, hi
	if lo == noDay { // nothing dated: centre on today (or on the epoch when there is no today)
		lo, hi = 0, 0
		if today != noDay {
			lo, hi = today, today
		}
	}
	lo, hi = l.limit(lo, hi, today)
	l.axis(lo, hi)
	l.Width = l.LabelWidth + (l.end-l.start)*l.DayWidth
	l.Height = l.BodyTop + max(len(rows), 1)*rowHeight + bodyPadding
	l.Today = l.marker(today, l.DayWidth/2)
	l.ProjectStart = l.marker(ps, 0)
	l.ProjectDue = l.marker(pd, l.DayWidth)
	l.placeBars()
	l.connect(c, index)
	return l, nil
}

// x returns the left edge of day d.
func (l *Layout) x(d int) int { return l.LabelWidth + (d-l.start)*l.DayWidth }

func (l *Layout) marker(d, offset int) Marker {
	if d == noDay || d < l.start || d >= l.end {
		return Marker{}
	}
	return Marker{X: l.x(d) + offset, Show: true}
}

// widen grows [lo, hi] to cover [from, to]; noDay is empty.
func widen(lo, hi, from, to int) (int, int) {
	if from == noDay {
		return lo, hi
	}
	if lo == noDay {
		return from, to
	}
	return min(lo, from), max(hi, to)
}

// span reads a task's or baseline's dates: one date stands for a one-day span, a due date before
// the start is read as the start.
func span(start, due time.Time) (from, to int) {
	from, to = dayOf(start), dayOf(due)
	switch {
	case from == noDay:
		from = to
	case to == noDay || to < from:
		to = from
	}
	return from, to
}

// placeDays reads every row's dates and returns the range they cover.
func (l *Layout) placeDays(c Chart, today int) (lo, hi int) {
	lo, hi = noDay, noDay
	for i := range l.Rows {
		r := &l.Rows[i]
		t := &c.Tasks[r.Task]
		r.from, r.to = span(t.Start, t.Due)
		if t.Kind == KindMilestone {
			if d := dayOf(t.Due); d != noDay {
				r.from, r.to = d, d
			}
			r.Milestone = r.from != noDay
		}
		r.HasBar = r.from != noDay
		lo, hi = widen(lo, hi, r.from, r.to)
		r.Late = r.HasBar && today != noDay && r.to < today && t.Status != StatusDone
		r.bfrom, r.bto = noDay, noDay
		if t.Baseline != nil {
			r.bfrom, r.bto = span(t.Baseline.Start, t.Baseline.Due)
			r.HasBaseline = r.bfrom != noDay
			lo, hi = widen(lo, hi, r.bfrom, r.bto)
		}
	}
	return lo, hi
}

// axis pads [lo, hi] and snaps it to whole units, then makes the header ticks.
func (l *Layout) axis(lo, hi int) {
	switch l.Zoom {
	case ZoomDay:
		l.start, l.end = mondayOnOrBefore(lo-1), mondayOnOrBefore(hi+1)+7
	case ZoomWeek:
		l.start, l.end = mondayOnOrBefore(lo-3), mondayOnOrBefore(hi+3)+7
	default:
		l.start, l.end = firstOfMonth(lo-7), firstOfNextMonth(hi+7)
	}
	for (l.end-l.start)*l.DayWidth < minTimeline {
		if l.Zoom == ZoomMonth {
			l.end = firstOfNextMonth(l.end)
		} else {
			l.end += 7
		}
	}
	l.Start, l.End = timeOf(l.start), timeOf(l.end)
	l.units()
	l.groups()
}

func (l *Layout) units() {
	var b []byte
	next := func(d int) int { return d + 7 }
	switch l.Zoom {
	case ZoomDay:
		next = func(d int) int { return d + 1 }
	case ZoomMonth:
		next = firstOfNextMonth
	}
	for d := l.start; d < l.end; d = next(d) {
		t := Tick{X: l.x(d), Width: (next(d) - d) * l.DayWidth, day: d}
		switch l.Zoom {
		case ZoomDay:
			_, _, dd := civilFromDays(d)
			t.Label = strconv.Itoa(dd)
			wd := weekday(d)
			t.Weekend = wd == time.Saturday || wd == time.Sunday
		case ZoomWeek:
			b = append(append(b[:0], dayShort[weekday(d)]...), ' ')
			t.Label = string(appendDate(b, d, false))
		default:
			_, m, _ := civilFromDays(d)
			t.Label = monthLong[m-1]
		}
		l.Units = append(l.Units, t)
	}
}

func (l *Layout) groups() {
	first, next := firstOfMonth, firstOfNextMonth
	if l.Zoom == ZoomMonth {
		first = func(d int) int { y, _, _ := civilFromDays(d); return daysFromCivil(y, 1, 1) }
		next = func(d int) int { y, _, _ := civilFromDays(d); return daysFromCivil(y+1, 1, 1) }
	}
	for d := first(l.start); d < l.end; d = next(d) {
		from, to := max(d, l.start), min(next(d), l.end)
		y, m, _ := civilFromDays(d)
		label := strconv.Itoa(y)
		if l.Zoom != ZoomMonth {
			label = monthLong[m-1] + " " + label
		}
		l.Groups = append(l.Groups, Tick{X: l.x(from), Width: (to - from) * l.DayWidth, Label: label, day: d})
	}
}

// maxAxisDays bounds the axis per zoom (about 3, 10 and 40 years: 31,000, 44,000 and
// 58,000 px), so that one mistyped year cannot make a chart of a million columns.
func maxAxisDays(z Zoom) int {
	switch z {
	case ZoomDay:
		return 3 * 366
	case ZoomMonth:
		return 40 * 366
	}
	return 10 * 366
}

// limit narrows [lo, hi] to maxAxisDays around today, or around the middle task start when
// there is no today; bars beyond it are clipped to the axis edge.
func (l *Layout) limit(lo, hi, today int) (int, int) {
	n := maxAxisDays(l.Zoom)
	if hi-lo < n {
		return lo, hi
	}
	anchor := today
	if anchor == noDay {
		var starts []int
		for _, r := range l.Rows {
			if r.HasBar {
				starts = append(starts, r.from)
			}
		}
		slices.Sort(starts)
		anchor = lo + n/2 // when only baselines or project dates are that far apart
		if len(starts) > 0 {
			anchor = starts[len(starts)/2]
		}
	}
	lo = min(max(lo, anchor-n/2), hi-n+1)
	return lo, lo + n - 1
}

// placeBars gives every row its position and bars, clipped to the axis.
func (l *Layout) placeBars() {
	clip := func(d int) int { return min(max(d, l.start), l.end-1) }
	for i := range l.Rows {
		r := &l.Rows[i]
		r.Y = l.BodyTop + i*rowHeight
		switch {
		case r.Milestone:
			cx := l.x(clip(r.from) + 1) // the end of the day, where a task due that day ends
			cx = min(max(cx, l.LabelWidth+diamondR), l.Width-diamondR)
			r.Bar = Rect{X: cx - diamondR, Y: r.Y + barInset + barHeight/2 - diamondR, W: 2 * diamondR, H: 2 * diamondR}
		case r.HasBar:
			from, to := clip(r.from), clip(r.to)
			r.Bar = Rect{X: l.x(from), Y: r.Y + barInset, W: (to - from + 1) * l.DayWidth, H: barHeight}
		}
		if r.HasBaseline {
			from, to := clip(r.bfrom), clip(r.bto)
			r.Baseline = Rect{X: l.x(from), Y: r.Y + baselineTop, W: (to - from + 1) * l.DayWidth, H: baselineH}
		}
	}
}

// connect routes the dependencies between rows that have bars; others are left out.
func (l *Layout) connect(c Chart, index map[string]int) {
	taskRow := make([]int32, len(c.Tasks))
	for i := range l.Rows {
		taskRow[l.Rows[i].Task] = int32(i)
	}
	rowOf := func(id string) int {
		if t, ok := index[id]; ok && l.Rows[taskRow[t]].HasBar {
			return int(taskRow[t])
		}
		return -1
	}
	pts := make([]Point, 0, 6*len(c.Dependencies))
	l.Connectors = make([]Connector, 0, len(c.Dependencies))
	for _, d := range c.Dependencies {
		f, t := rowOf(d.From), rowOf(d.To)
		if f < 0 || t < 0 || f == t {
			continue
		}
		n := len(pts)
		pts = l.route(pts, &l.Rows[f], &l.Rows[t])
		l.Connectors = append(l.Connectors, Connector{From: f, To: t, Points: pts[n:len(pts):len(pts)]})
	}
}

// route appends an elbow from the end of from's bar to the start of to's. When to starts at
// least two stubs later, the path runs right, turns down (or up) and comes into to's bar from
// the left. When to starts about where from ends — the usual back-to-back case — it drops into
// the top (or bottom) of to's bar near its start, or onto a milestone's tip. Otherwise (to
// starts well before from ends) it runs to the edge of to's row, back, and in from the left.
func (l *Layout) route(pts []Point, from, to *Row) []Point {
	x1, y1 := from.Bar.X+from.Bar.W, from.Bar.Y+from.Bar.H/2
	x2, y2 := to.Bar.X, to.Bar.Y+to.Bar.H/2
	xt := x1 + stub
	if x2 >= xt+stub {
		return append(pts, Point{x1, y1}, Point{xt, y1}, Point{xt, y2}, Point{x2, y2})
	}
	ye, yb := to.Bar.Y, to.Y // to's edge and row edge facing from
	if to.Y < from.Y {
		ye, yb = to.Bar.Y+to.Bar.H, to.Y+rowHeight
	}
	if to.Milestone {
		if cx := x2 + to.Bar.W/2; cx == x1 {
			return append(pts, Point{x1, y1}, Point{x1, ye})
		} else if cx > x1 {
			return append(pts, Point{x1, y1}, Point{cx, y1}, Point{cx, ye})
		}
	} else if xe := max(xt, x2+stub/2); xe <= x2+to.Bar.W-3 {
		return append(pts, Point{x1, y1}, Point{xe, y1}, Point{xe, ye})
	}
	return append(pts, Point{x1, y1}, Point{xt, y1}, Point{xt, yb},
		Point{x2 - stub, yb}, Point{x2 - stub, y2}, Point{x2, y2})
}
