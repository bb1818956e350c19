package web

import (
	"net/http"
	"time"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/store"
)

func (h *Handler) routesResources(mux *http.ServeMux) {
	mux.HandleFunc("GET /resources", h.myWeekPage)
}

type myWeekData struct {
	Weeks    []string
	Projects []string
	Hours    map[string]map[string]int64 // project name → week → minutes
	Totals   map[string]int64
}

// myWeekPage shows the signed-in person's planned hours across the account's projects, week by
// week (their own allocations: no one else's).
func (h *Handler) myWeekPage(w http.ResponseWriter, r *http.Request) {
	v, pg, ok := h.account(w, r)
	if !ok {
		return
	}
	start, _ := time.Parse(time.DateOnly, app.MondayOf(time.Now().UTC()))
	d := myWeekData{Hours: map[string]map[string]int64{}, Totals: map[string]int64{}}
	for i := 0; i < 8; i++ {
		d.Weeks = append(d.Weeks, start.AddDate(0, 0, 7*i).Format(time.DateOnly))
	}
	as, err := h.app.MyAllocations(r.Context(), v.act, d.Weeks[0], d.Weeks[len(d.Weeks)-1])
	if err != nil {
		h.fail(w, r, err)
		return
	}
	addRow(&d, as)
	pg.Title, pg.Data = "My planned hours", d
	h.render(w, r, 0, "resources", pg)
}

func addRow(d *myWeekData, as []store.Allocation) {
	for _, a := range as {
		if d.Hours[a.ProjectName] == nil {
			d.Hours[a.ProjectName] = map[string]int64{}
			d.Projects = append(d.Projects, a.ProjectName)
		}
		d.Hours[a.ProjectName][a.Week] += a.Minutes
		d.Totals[a.Week] += a.Minutes
	}
}
