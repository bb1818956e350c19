package gantt

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }

// sampleChart is a small project as a provider sees it: baselines and budget use included.
func sampleChart() Chart {
	u := func(id string) string { return "/projects/relaunch/tasks/" + id }
	return Chart{
		Title: "Website relaunch — Acme Co.",
		Today: date(2026, 3, 18),
		Zoom:  ZoomWeek,
		Tasks: []Task{
			{ID: "1", Title: "Discovery", URL: u("1"), Kind: KindTask, Start: date(2026, 3, 2), Due: date(2026, 3, 13), Percent: 95, Status: "in_progress"},
			{ID: "1.1", ParentID: "1", Title: "Stakeholder interviews", URL: u("1.1"), Kind: KindTask, Start: date(2026, 3, 2), Due: date(2026, 3, 6), Percent: 100, Status: StatusDone},
			{ID: "1.2", ParentID: "1", Title: "Content audit", URL: u("1.2"), Kind: KindTask, Start: date(2026, 3, 4), Due: date(2026, 3, 13), Percent: 90, Status: "in_progress"},
			{ID: "2", Title: "Discovery sign-off", URL: u("2"), Kind: KindMilestone, Due: date(2026, 3, 13), Status: StatusDone},
			{ID: "3", Title: "Design", URL: u("3"), Kind: KindTask, Start: date(2026, 3, 16), Due: date(2026, 4, 10), Percent: 35, Status: "in_progress"},
			{ID: "3.1", ParentID: "3", Title: "Wireframes for the home page, product pages and checkout flow", URL: u("3.1"), Kind: KindTask, Start: date(2026, 3, 16), Due: date(2026, 3, 25), Percent: 70, Status: "in_progress",
				Baseline: &Span{date(2026, 3, 16), date(2026, 3, 23)}, BudgetUsed: ptr(62)},
			{ID: "3.2", ParentID: "3", Title: "Visual design", URL: u("3.2"), Kind: KindTask, Start: date(2026, 3, 23), Due: date(2026, 4, 3), Percent: 20, Status: "in_progress",
				Baseline: &Span{date(2026, 3, 20), date(2026, 3, 31)}, BudgetUsed: ptr(48)},
			{ID: "3.3", ParentID: "3", Title: "Design review", URL: u("3.3"), Kind: KindDeliverable, Start: date(2026, 4, 6), Due: date(2026, 4, 10), Status: "open"},
			{ID: "4", Title: "Build", URL: u("4"), Kind: KindTask, Start: date(2026, 4, 6), Due: date(2026, 5, 8), Status: "open"},
			{ID: "4.1", ParentID: "4", Title: "Front-end templates", URL: u("4.1"), Kind: KindTask, Start: date(2026, 4, 6), Due: date(2026, 4, 24), Status: "open"},
			{ID: "4.2", ParentID: "4", Title: "CMS integration", URL: u("4.2"), Kind: KindTask, Start: date(2026, 4, 13), Due: date(2026, 5, 1), Percent: 10, Status: "in_progress", BudgetUsed: ptr(104)},
			{ID: "4.3", ParentID: "4", Title: "Legacy redirects return 404", URL: u("4.3"), Kind: KindIssue, Start: date(2026, 4, 27), Due: date(2026, 4, 30), Status: "open"},
			{ID: "4.4", ParentID: "4", Title: "Content migration", URL: u("4.4"), Kind: KindTask, Start: date(2026, 4, 20), Due: date(2026, 5, 6), Status: "open"},
			{ID: "5", Title: "Launch", URL: u("5"), Kind: KindMilestone, Due: date(2026, 5, 11), Status: "open",
				Baseline: &Span{date(2026, 5, 4), date(2026, 5, 4)}},
			{ID: "6", Title: "Dark mode (nice to have)", URL: u("6"), Kind: KindTask, Status: "open"},
		},
		Dependencies: []Dependency{
			{"1.2", "2"}, {"2", "3.1"}, {"3.1", "3.2"}, {"3.2", "3.3"}, {"3.3", "4.1"},
			{"4.1", "4.4"}, {"4.2", "4.3"}, {"4.4", "5"}, {"4.3", "5"},
			{"5", "6"}, {"missing", "5"}, {"3", "3"}, // not drawn: no dates, unknown, self
		},
		ProjectStart: ptr(date(2026, 3, 2)),
		ProjectDue:   ptr(date(2026, 5, 15)),
	}
}

// clientView drops what clients may not see, as the caller does.
func clientView(c Chart) Chart {
	tasks := make([]Task, len(c.Tasks))
	for i, t := range c.Tasks {
		t.Baseline, t.BudgetUsed = nil, nil
		tasks[i] = t
	}
	c.Tasks = tasks
	return c
}

func render(tb testing.TB, c Chart) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, c); err != nil {
		tb.Fatalf("Render: %v", err)
	}
	return buf.Bytes()
}

// node is a parsed SVG element.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []node     `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n *node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *node) hasClass(c string) bool {
	return strings.Contains(" "+n.attr("class")+" ", " "+c+" ")
}

// text is the element's text content, children included.
func (n *node) text() string {
	s := n.Text
	for i := range n.Nodes {
		s += n.Nodes[i].text()
	}
	return s
}

// findAll returns the elements named name (any name for "") matching ok, outside the legend.
func (n *node) findAll(name string, ok func(*node) bool) []*node {
	var found []*node
	var walk func(*node)
	walk = func(n *node) {
		if n.hasClass("g-legend") {
			return
		}
		if (name == "" || n.XMLName.Local == name) && (ok == nil || ok(n)) {
			found = append(found, n)
		}
		for i := range n.Nodes {
			walk(&n.Nodes[i])
		}
	}
	walk(n)
	return found
}

func withClass(c string) func(*node) bool { return func(n *node) bool { return n.hasClass(c) } }

// parse checks that b is well-formed XML (strictly) and returns its root.
func parse(tb testing.TB, b []byte) *node {
	tb.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			tb.Fatalf("SVG is not well-formed: %v", err)
		}
	}
	var root node
	if err := xml.Unmarshal(b, &root); err != nil {
		tb.Fatalf("unmarshal SVG: %v", err)
	}
	return &root
}

func TestRender(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		c := sampleChart()
		root := parse(t, render(t, c))
		if root.XMLName.Space != "http://www.w3.org/2000/svg" || root.XMLName.Local != "svg" {
			t.Fatalf("root = %v, want svg in the SVG namespace", root.XMLName)
		}
		for _, a := range []string{"width", "height", "viewBox", "role", "aria-label"} {
			if root.attr(a) == "" {
				t.Errorf("root has no %s", a)
			}
		}
		if got, want := root.attr("aria-label"), "Gantt chart: Website relaunch — Acme Co."; got != want {
			t.Errorf("aria-label = %q, want %q", got, want)
		}
		if first := root.Nodes[0]; first.XMLName.Local != "title" || first.Text != root.attr("aria-label") {
			t.Errorf("first child = <%s>%s, want the title", first.XMLName.Local, first.Text)
		}
		// 15 tasks, all with URLs: 15 label links + 14 bar links (one task has no dates).
		links := root.findAll("a", nil)
		if len(links) != 29 {
			t.Errorf("%d links, want 29", len(links))
		}
		for _, a := range links {
			if !strings.HasPrefix(a.attr("href"), "/projects/relaunch/tasks/") {
				t.Errorf("link href = %q", a.attr("href"))
			}
		}
		if n := len(root.findAll("rect", withClass("g-bar"))); n != 12 {
			t.Errorf("%d bars, want 12", n)
		}
		if n := len(root.findAll("polygon", withClass("g-ms"))); n != 2 {
			t.Errorf("%d diamonds, want 2", n)
		}
		deps := root.findAll("g", withClass("g-deps"))
		if len(deps) != 1 || len(deps[0].findAll("path", nil)) != 9 {
			t.Errorf("want one connector group with 9 paths, got %d groups", len(deps))
		}
		if deps[0].attr("marker-end") != "url(#portico-gantt-arrow)" || len(root.findAll("marker", nil)) != 1 {
			t.Errorf("connectors have no arrowhead marker")
		}
		// Every bar link carries a tooltip with the name and the dates.
		var tips []string
		for _, a := range links {
			if a.attr("tabindex") == "-1" {
				tips = append(tips, a.Nodes[0].Text)
			}
		}
		want := "Wireframes for the home page, product pages and checkout flow: 16 Mar – 25 Mar 2026 · 70% done · In progress · baseline 16 Mar – 23 Mar 2026 · 62% of budget used"
		if !containsString(tips, want) {
			t.Errorf("no bar tooltip %q in %q", want, tips)
		}
		if !containsString(tips, "Launch (milestone): 11 May 2026 · Open · baseline 4 May 2026") {
			t.Errorf("no milestone tooltip in %q", tips)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		root := parse(t, render(t, Chart{Today: date(2026, 3, 18)}))
		if len(root.findAll("a", nil)) != 0 || !strings.Contains(root.text(), "No tasks") {
			t.Errorf("empty chart: want no links and a 'No tasks' note")
		}
	})
	t.Run("ErrZoom", func(t *testing.T) {
		c := sampleChart()
		c.Zoom = "year"
		if err := Render(io.Discard, c); err == nil {
			t.Fatal("want an error for an unknown zoom")
		}
	})
	t.Run("ErrWriter", func(t *testing.T) {
		boom := errors.New("boom")
		if err := Render(failWriter{boom}, sampleChart()); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the writer's error", err)
		}
	})
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestRender_Escaping(t *testing.T) {
	evil := `</text><script>alert("x")</script><text>&amp; 'q'` + "\x00\x1b\xff"
	c := Chart{
		Title: evil,
		Today: date(2026, 3, 18),
		Tasks: []Task{
			{ID: "a", Title: evil, URL: `/t/a?x="><script>alert(1)</script>`, Start: date(2026, 3, 2), Due: date(2026, 3, 6), Status: evil},
			{ID: "b", Title: "js", URL: "javascript:alert(1)", Start: date(2026, 3, 2), Due: date(2026, 3, 6)},
			{ID: "c", Title: "js2", URL: " JaVa\tScript:alert(1)", Start: date(2026, 3, 2), Due: date(2026, 3, 6)},
			{ID: "d", Title: "data", URL: "data:text/html,<script>alert(1)</script>", Start: date(2026, 3, 2), Due: date(2026, 3, 6)},
		},
	}
	b := render(t, c)
	root := parse(t, b)
	if s := root.findAll("script", nil); len(s) != 0 {
		t.Fatalf("a <script> element got through: %d", len(s))
	}
	if bytes.Contains(b, []byte("<script")) || bytes.Contains(b, []byte("javascript:")) || bytes.Contains(b, []byte("data:text")) {
		t.Fatalf("raw markup or a dangerous URL in the output")
	}
	want := `</text><script>alert("x")</script><text>&amp; 'q'` + "\uFFFD\uFFFD\uFFFD"
	labels := root.findAll("text", withClass("g-lbl"))
	if len(labels) != 4 || !strings.HasPrefix(want, strings.TrimSuffix(labels[0].Text, "…")) {
		t.Fatalf("label text = %q, want the title back verbatim (perhaps cut)", labels[0].Text)
	}
	if tip := root.findAll("a", nil)[0].Nodes[0]; tip.XMLName.Local != "title" || tip.Text != want {
		t.Errorf("cut label's tooltip = %q, want the full title", tip.Text)
	}
	if got := root.findAll("title", nil)[0].Text; got != "Gantt chart: "+want {
		t.Errorf("chart title = %q", got)
	}
	links := root.findAll("a", nil)
	if len(links) != 2 { // only task a: its label and its bar
		t.Fatalf("%d links, want 2 (unsafe URLs are not linked)", len(links))
	}
	if got := links[0].attr("href"); got != `/t/a?x="><script>alert(1)</script>` {
		t.Errorf("href = %q", got)
	}
	if n := len(root.findAll("rect", withClass("g-bar"))); n != 4 {
		t.Errorf("%d bars, want 4: unlinked tasks still get bars", n)
	}
}

func TestRender_TodayLine(t *testing.T) {
	for _, tt := range []struct {
		name  string
		today time.Time
		want  bool
	}{
		{"InRange", date(2026, 3, 18), true},
		{"InPadding", date(2026, 3, 1), true}, // the axis starts on the Monday before
		{"Before", date(2025, 12, 1), false},
		{"After", date(2026, 9, 1), false},
		{"Zero", time.Time{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := sampleChart()
			c.Today = tt.today
			root := parse(t, render(t, c))
			lines := root.findAll("path", withClass("g-today-line")) // header and body
			if got := len(lines) == 2; got != tt.want || !tt.want && len(lines) != 0 {
				t.Fatalf("today line drawn = %v (%d paths), want %v", got, len(lines), tt.want)
			}
			pills := root.findAll("text", withClass("g-today-text"))
			if tt.want && (len(pills) != 1 || pills[0].Text != "Today") {
				t.Errorf("today line without its 'Today' label")
			}
		})
	}
}

func TestRender_NoDates(t *testing.T) {
	c := Chart{Today: date(2026, 3, 18), Tasks: []Task{
		{ID: "a", Title: "Dated", URL: "/a", Start: date(2026, 3, 2), Due: date(2026, 3, 6)},
		{ID: "b", Title: "Undated", URL: "/b"},
		{ID: "m", Title: "Undated milestone", URL: "/m", Kind: KindMilestone},
		{ID: "s", Title: "Start only", URL: "/s", Start: date(2026, 3, 9)},
	}, Dependencies: []Dependency{{"a", "b"}, {"b", "s"}, {"a", "s"}}}
	l, err := NewLayout(c)
	if err != nil {
		t.Fatal(err)
	}
	var has []bool
	for _, r := range l.Rows {
		has = append(has, r.HasBar)
	}
	if diff := cmp.Diff([]bool{true, false, false, true}, has); diff != "" {
		t.Errorf("HasBar (-want +got):\n%s", diff)
	}
	if s := l.Rows[3]; s.Bar.W != l.DayWidth {
		t.Errorf("start-only task: bar width %d, want one day (%d)", s.Bar.W, l.DayWidth)
	}
	if len(l.Connectors) != 1 {
		t.Errorf("%d connectors, want 1 (none to or from an undated task)", len(l.Connectors))
	}
	root := parse(t, render(t, c))
	if n := len(root.findAll("text", withClass("g-lbl"))); n != 4 {
		t.Errorf("%d labels, want 4: undated tasks are listed", n)
	}
	if n := len(root.findAll("rect", withClass("g-bar"))); n != 2 {
		t.Errorf("%d bars, want 2", n)
	}
	if n := len(root.findAll("polygon", withClass("g-ms"))); n != 0 {
		t.Errorf("%d diamonds, want 0", n)
	}
}

func TestLayout_RowOrder(t *testing.T) {
	tasks := []Task{
		{ID: "c1", ParentID: "p", Title: "c1"},
		{ID: "p", Title: "p"},
		{ID: "g1", ParentID: "c1", Title: "g1"},
		{ID: "orphan", ParentID: "gone", Title: "orphan"},
		{ID: "c2", ParentID: "p", Title: "c2"},
		{ID: "x", ParentID: "y", Title: "x"}, // x and y are each other's parent
		{ID: "y", ParentID: "x", Title: "y"},
		{ID: "self", ParentID: "self", Title: "self"},
	}
	l, err := NewLayout(Chart{Tasks: tasks})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID     string
		Depth  int
		Parent bool
	}
	var got []row
	for _, r := range l.Rows {
		got = append(got, row{tasks[r.Task].ID, r.Depth, r.Parent})
	}
	want := []row{
		{"p", 0, true}, {"c1", 1, true}, {"g1", 2, false}, {"c2", 1, false},
		{"orphan", 0, false}, {"self", 0, false}, {"x", 0, true}, {"y", 1, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	root := parse(t, render(t, Chart{Tasks: tasks}))
	labels := root.findAll("text", withClass("g-lbl"))
	if labels[0].attr("x") != "16" || labels[1].attr("x") != "30" || labels[2].attr("x") != "44" {
		t.Errorf("indents = %s %s %s, want 16 30 44", labels[0].attr("x"), labels[1].attr("x"), labels[2].attr("x"))
	}
	if !labels[0].hasClass("g-par") || labels[2].hasClass("g-par") {
		t.Errorf("parents should be bold, leaves not")
	}
}

func TestLayout_Connectors(t *testing.T) {
	t.Run("Sample", func(t *testing.T) { testConnectors(t, sampleChart()) })
	t.Run("Around", func(t *testing.T) {
		// b lies entirely before a ends: the path goes around to come in from the left.
		c := Chart{Tasks: []Task{
			{ID: "a", Start: date(2026, 3, 2), Due: date(2026, 3, 13)},
			{ID: "b", Start: date(2026, 3, 4), Due: date(2026, 3, 5)},
			{ID: "m", Kind: KindMilestone, Due: date(2026, 3, 3)},
		}, Dependencies: []Dependency{{"a", "b"}, {"b", "a"}, {"a", "m"}}}
		l := testConnectors(t, c)
		for i, want := range []int{6, 3, 6} {
			if got := len(l.Connectors[i].Points); got != want {
				t.Errorf("connector %d: %d points, want %d", i, got, want)
			}
		}
	})
}

func testConnectors(t *testing.T, c Chart) *Layout {
	t.Helper()
	wantPoints := map[string]int{
		"1.2→2":   2, // audit ends the day of the sign-off: straight down onto the diamond
		"3.1→3.2": 3, // 3.2 starts before 3.1 ends, and is long enough to drop into
		"3.3→4.1": 3, // 4.1 starts with 3.3
		"3.2→3.3": 4, // a weekend between: in from the left
	}
	l, err := NewLayout(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, cn := range l.Connectors {
		from, to := l.Rows[cn.From], l.Rows[cn.To]
		p := cn.Points
		name := c.Tasks[from.Task].ID + "→" + c.Tasks[to.Task].ID
		first, last := p[0], p[len(p)-1]
		if first.X != from.Bar.X+from.Bar.W || first.Y != from.Bar.Y+from.Bar.H/2 {
			t.Errorf("%s starts at %v, want the end of %v", name, first, from.Bar)
		}
		prev := p[len(p)-2]
		switch {
		case prev.Y == last.Y: // in from the left, at the start
			if last.X != to.Bar.X || last.Y != to.Bar.Y+to.Bar.H/2 || prev.X >= last.X {
				t.Errorf("%s ends at %v, want the start of %v from the left", name, last, to.Bar)
			}
		case prev.X == last.X: // down or up into the bar's edge
			if last.Y != to.Bar.Y && last.Y != to.Bar.Y+to.Bar.H || last.X < to.Bar.X || last.X > to.Bar.X+to.Bar.W {
				t.Errorf("%s ends at %v, want an edge of %v", name, last, to.Bar)
			}
		}
		for k := 1; k < len(p); k++ {
			if p[k].X != p[k-1].X && p[k].Y != p[k-1].Y {
				t.Errorf("%s has a diagonal run: %v", name, p)
			}
		}
		if want, ok := wantPoints[name]; ok && len(p) != want {
			t.Errorf("%s: %d points %v, want %d", name, len(p), p, want)
		}
		if p[len(p)-1] == p[0] {
			t.Errorf("%s: empty path", name)
		}
	}
	return l
}

func TestLayout_Axis(t *testing.T) {
	c := sampleChart()
	c.ProjectDue = ptr(date(2026, 6, 30)) // the project dates widen the axis
	for _, tt := range []struct {
		zoom       Zoom
		start, end time.Time
	}{
		{ZoomDay, date(2026, 2, 23), date(2026, 7, 6)},
		{ZoomWeek, date(2026, 2, 23), date(2026, 7, 6)},
		{ZoomMonth, date(2026, 2, 1), date(2026, 8, 1)},
	} {
		t.Run(string(tt.zoom), func(t *testing.T) {
			c.Zoom = tt.zoom
			l, err := NewLayout(c)
			if err != nil {
				t.Fatal(err)
			}
			if !l.Start.Equal(tt.start) || !l.End.Equal(tt.end) {
				t.Errorf("axis %s – %s, want %s – %s", l.Start.Format(time.DateOnly), l.End.Format(time.DateOnly),
					tt.start.Format(time.DateOnly), tt.end.Format(time.DateOnly))
			}
			if want := l.LabelWidth + int(l.End.Sub(l.Start).Hours()/24)*l.DayWidth; l.Width != want {
				t.Errorf("width %d, want %d", l.Width, want)
			}
			if !l.ProjectStart.Show || !l.ProjectDue.Show {
				t.Errorf("project lines not shown")
			}
		})
	}
}

func TestRender_ZoomHeaders(t *testing.T) {
	for _, tt := range []struct {
		zoom        Zoom
		units, grps []string // the first few labels
		weekends    bool
	}{
		{ZoomDay, []string{"M23", "T24", "W25"}, []string{"February 2026", "March 2026", "April 2026"}, true},
		{ZoomWeek, []string{"Mon 23 Feb", "Mon 2 Mar", "Mon 9 Mar"}, []string{"March 2026", "April 2026"}, false},
		{ZoomMonth, []string{"February", "March", "April"}, []string{"2026"}, false},
	} {
		t.Run(string(tt.zoom), func(t *testing.T) {
			c := sampleChart()
			c.Zoom = tt.zoom
			root := parse(t, render(t, c))
			var units, grps []string
			for _, n := range root.findAll("text", withClass("g-unit")) {
				units = append(units, n.text())
			}
			for _, n := range root.findAll("text", withClass("g-grp")) {
				grps = append(grps, n.text())
			}
			if len(units) < len(tt.units) || !cmp.Equal(tt.units, units[:len(tt.units)]) {
				t.Errorf("unit labels start %q, want %q", units, tt.units)
			}
			if len(grps) < len(tt.grps) || !cmp.Equal(tt.grps, grps[:len(tt.grps)]) {
				t.Errorf("group labels %q, want them to start %q", grps, tt.grps)
			}
			if got := len(root.findAll("path", withClass("g-we"))) == 1; got != tt.weekends {
				t.Errorf("weekend shading = %v, want %v", got, tt.weekends)
			}
		})
	}
}

func TestRender_Deterministic(t *testing.T) {
	c := benchChart(300, 600)
	a, b := render(t, c), render(t, c)
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same chart differ")
	}
	parse(t, a)
}

func TestRender_ProviderOnlyExtras(t *testing.T) {
	t.Run("Provider", func(t *testing.T) {
		root := parse(t, render(t, sampleChart()))
		if n := len(root.findAll("rect", withClass("g-base"))); n != 3 {
			t.Errorf("%d baseline bars, want 3", n)
		}
		var budgets []string
		for _, n := range root.findAll("text", withClass("g-budget")) {
			budgets = append(budgets, n.Text)
		}
		if diff := cmp.Diff([]string{"62% of budget", "48% of budget", "104% of budget"}, budgets); diff != "" {
			t.Errorf("budget labels (-want +got):\n%s", diff)
		}
		if over := root.findAll("text", withClass("g-over")); len(over) != 1 || over[0].Text != "104% of budget" {
			t.Errorf("over-budget label not marked")
		}
	})
	t.Run("Client", func(t *testing.T) {
		b := render(t, clientView(sampleChart()))
		b = b[bytes.Index(b, []byte("</defs>")):] // the style sheet names every class
		for _, leak := range []string{"budget", "aseline", "g-base"} {
			if i := bytes.Index(b, []byte(leak)); i >= 0 {
				t.Errorf("client chart mentions %q: …%s…", leak, b[max(i-80, 0):min(i+80, len(b))])
			}
		}
	})
}

func TestRender_LateAndDone(t *testing.T) {
	root := parse(t, render(t, sampleChart()))
	var late, done []string
	for _, a := range root.findAll("a", withClass("g-late")) {
		late = append(late, strings.SplitN(a.Nodes[0].Text, ":", 2)[0])
	}
	for _, a := range root.findAll("a", withClass("g-done")) {
		done = append(done, strings.SplitN(a.Nodes[0].Text, ":", 2)[0])
	}
	if diff := cmp.Diff([]string{"Discovery", "Content audit"}, late); diff != "" {
		t.Errorf("late (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Stakeholder interviews", "Discovery sign-off (milestone)"}, done); diff != "" {
		t.Errorf("done (-want +got):\n%s", diff)
	}
}

func TestParseZoom(t *testing.T) {
	for in, want := range map[string]Zoom{"": ZoomWeek, "day": ZoomDay, "week": ZoomWeek, "month": ZoomMonth} {
		if got, err := ParseZoom(in); err != nil || got != want {
			t.Errorf("ParseZoom(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseZoom("Day"); err == nil {
		t.Error("ParseZoom(Day): want an error")
	}
}

func TestCivilDays(t *testing.T) {
	for z := -800000; z <= 800000; z += 97 {
		y, m, d := civilFromDays(z)
		tm := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if got := int(tm.Unix() / 86400); tm.Unix() >= 0 && got != z || daysFromCivil(y, m, d) != z {
			t.Fatalf("day %d → %d-%d-%d → %d", z, y, m, d, daysFromCivil(y, m, d))
		}
		if weekday(z) != tm.Weekday() {
			t.Fatalf("weekday(%d) = %v, want %v", z, weekday(z), tm.Weekday())
		}
		if mo := mondayOnOrBefore(z); weekday(mo) != time.Monday || mo > z || z-mo > 6 {
			t.Fatalf("mondayOnOrBefore(%d) = %d", z, mo)
		}
	}
	if got := dayOf(time.Date(2026, 3, 3, 0, 0, 0, 0, time.FixedZone("CET", 3600))); got != dayOf(date(2026, 3, 3)) {
		t.Errorf("dayOf reads the calendar date in the time's own zone")
	}
}

func TestSafeURL(t *testing.T) {
	for u, want := range map[string]bool{
		"/projects/1/tasks/2": true, "tasks/2?tab=x#y": true, "https://example.com/a": true,
		"HTTP://example.com": true, "mailto:a@example.com": true, "/a:b": true, "?q=a:b": true,
		"": false, "javascript:alert(1)": false, "JavaScript:alert(1)": false, "data:text/html,x": false,
		" javascript:x": false, "java\tscript:x": false, "vbscript:x": false, "/a b": false,
	} {
		if got := safeURL(u); got != want {
			t.Errorf("safeURL(%q) = %v, want %v", u, got, want)
		}
	}
}

func TestFit(t *testing.T) {
	if b, cut := appendFitted(nil, "Design & build", 12, 200); string(b) != "Design &amp; build" || cut {
		t.Errorf("fit short = %q, %v", b, cut)
	}
	long := strings.Repeat("Wireframes ", 20)
	b, cut := appendFitted(nil, long, 12, 200)
	if s := string(b); !cut || !strings.HasSuffix(s, "r…") || px(textWidth(s), 12) > 200 {
		t.Errorf("fit long = %q (%d px), %v", s, px(textWidth(s), 12), cut)
	}
}

// TestWriteSample writes the sample chart for a visual check:
// GANTT_SAMPLE=/tmp/gantt-sample.svg go test -run WriteSample ./internal/gantt/
func TestWriteSample(t *testing.T) {
	path := os.Getenv("GANTT_SAMPLE")
	if path == "" {
		t.Skip("GANTT_SAMPLE not set")
	}
	c := sampleChart()
	if z := os.Getenv("GANTT_ZOOM"); z != "" {
		c.Zoom = Zoom(z)
	}
	if os.Getenv("GANTT_CLIENT") != "" {
		c = clientView(c)
	}
	if err := os.WriteFile(path, render(t, c), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLayout_FarDates(t *testing.T) {
	// One mistyped year must not make a chart millions of pixels wide.
	c := Chart{Zoom: ZoomDay, Today: date(2026, 3, 18), Tasks: []Task{
		{ID: "a", Title: "Normal", Start: date(2026, 3, 2), Due: date(2026, 3, 20)},
		{ID: "b", Title: "Typo", Start: date(2026, 3, 2), Due: date(9026, 3, 20), Baseline: &Span{Start: date(1, 1, 1)}},
		{ID: "m", Title: "Far milestone", Kind: KindMilestone, Due: date(9999, 12, 31)},
	}, Dependencies: []Dependency{{"a", "m"}, {"m", "b"}}}
	for _, z := range []Zoom{ZoomDay, ZoomWeek, ZoomMonth} {
		c.Zoom = z
		l, err := NewLayout(c)
		if err != nil {
			t.Fatal(err)
		}
		if l.Width > 60000 || !l.Today.Show {
			t.Errorf("%s: width %d, today shown %v; want at most 60,000 px around today", z, l.Width, l.Today.Show)
		}
		for _, r := range l.Rows {
			if r.Bar.X < l.LabelWidth || r.Bar.X+r.Bar.W > l.Width || r.Baseline.X+r.Baseline.W > l.Width {
				t.Errorf("%s: bar %v or baseline %v outside the axis", z, r.Bar, r.Baseline)
			}
		}
		parse(t, render(t, c))
	}
	c.Today = time.Time{} // centred on the middle start instead
	if l, err := NewLayout(c); err != nil || l.Width > 60000 || l.Start.Year() != 2026 && l.Start.Year() != 2025 {
		t.Errorf("no today: axis from %v, width %d", l.Start, l.Width)
	}
}
