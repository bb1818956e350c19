package gantt

import (
	"io"
	"strconv"
	"testing"
	"time"
)

// benchChart makes a deterministic chart of n tasks over about a year: phases of 50 tasks, each
// with sub-phases of 10, milestones, deliverables and issues mixed in, a third with baselines
// and a quarter with budget use, and deps finish-to-start links from earlier to later tasks.
func benchChart(n, deps int) Chart {
	base := date(2026, 1, 5)
	seed := uint64(42)
	rnd := func(k int) int { // xorshift: same sequence on every run
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return int(seed % uint64(k))
	}
	words := []string{"Design", "Build", "Review", "Migrate", "Test", "Document", "Plan", "Ship"}
	tasks := make([]Task, n)
	for i := range tasks {
		id := strconv.Itoa(i)
		t := Task{ID: id, URL: "/projects/p/tasks/" + id, Kind: KindTask, Percent: rnd(101), Status: "in_progress"}
		t.Title = words[i%len(words)] + " " + id + " — " + words[(i/8)%len(words)] + " the " + words[(i/3)%len(words)] + " work"
		switch {
		case i%50 == 0:
		case i%10 == 0:
			t.ParentID = strconv.Itoa(i - i%50)
		default:
			t.ParentID = strconv.Itoa(i - i%10)
		}
		start := base.AddDate(0, 0, (i*3)%330+rnd(20))
		t.Start, t.Due = start, start.AddDate(0, 0, 1+rnd(20))
		switch {
		case i%25 == 7:
			t.Kind, t.Start = KindMilestone, time.Time{}
		case i%7 == 3:
			t.Kind = KindDeliverable
		case i%13 == 5:
			t.Kind = KindIssue
		case i%97 == 1:
			t.Start, t.Due = time.Time{}, time.Time{}
		}
		if t.Percent == 100 {
			t.Status = StatusDone
		}
		if i%3 == 0 {
			t.Baseline = &Span{start.AddDate(0, 0, -2), t.Due.AddDate(0, 0, -1)}
		}
		if i%4 == 0 {
			t.BudgetUsed = ptr(rnd(130))
		}
		tasks[i] = t
	}
	ds := make([]Dependency, deps)
	for k := range ds {
		to := 1 + rnd(n-1)
		ds[k] = Dependency{From: tasks[rnd(to)].ID, To: tasks[to].ID}
	}
	return Chart{Title: "Benchmark", Tasks: tasks, Dependencies: ds, Today: base.AddDate(0, 0, 180),
		Zoom: ZoomWeek, ProjectStart: ptr(base), ProjectDue: ptr(base.AddDate(0, 0, 364))}
}

func BenchmarkRender5000(b *testing.B) {
	c := benchChart(5000, 10000)
	n := countingWriter{}
	if err := Render(&n, c); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Render(io.Discard, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n.n), "svg-bytes")
}

func BenchmarkLayout5000(b *testing.B) {
	c := benchChart(5000, 10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewLayout(c); err != nil {
			b.Fatal(err)
		}
	}
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
