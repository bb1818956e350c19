package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/api"
	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

func (h *Handler) routesFeed(mux *http.ServeMux) {
	mux.HandleFunc("GET /projects/{id}/tab/activity", h.activityTab)
	mux.HandleFunc("GET /projects/{id}/threads/{thread}", h.threadPage)
	mux.HandleFunc("POST /projects/{id}/posts", h.createPost)
	mux.HandleFunc("POST /projects/{id}/threads/{thread}/replies", h.createReply)
	mux.HandleFunc("POST /projects/{id}/threads/{thread}/recipients", h.addRecipients)
	mux.HandleFunc("POST /projects/{id}/posts/{post}/delete", h.deletePost)
	mux.HandleFunc("POST /projects/{id}/posts/{post}/pin", h.pinPost)
	mux.HandleFunc("POST /projects/{id}/posts/{post}/edit", h.editPost)
	mux.HandleFunc("GET /projects/{id}/tab/files", h.filesTab)
	mux.HandleFunc("POST /projects/{id}/files", h.uploadFiles)
	mux.HandleFunc("POST /projects/{id}/files/{file}/delete", h.deleteFile)
	mux.HandleFunc("GET /projects/{id}/files/{file}", h.fileContent)
	mux.HandleFunc("GET /projects/{id}/events", api.ProjectStream(h.app, "id"))
	mux.HandleFunc("POST /projects/{id}/notifications", h.projectNotificationPrefs)
}

// threadView is a thread ready for the template: who wrote what, what the viewer may do.
type threadView struct {
	store.Thread
	Recipients    []domain.Participant
	CanReply      bool
	CanInternal   bool
	CanAddPeople  bool
	CanPin        bool
	Deletable     map[string]bool // post id → the viewer may delete it
	Editable      map[string]bool
	AddCandidates []domain.Participant
}

type feedData struct {
	Frame          *projectFrame
	Threads        []threadView
	Next           string
	Cursor         string // the page's own cursor ("" on the first page), so a live update re-renders this page
	CanPost        bool
	CanAttach      bool
	DefaultPrivate bool
	People         []domain.Participant // recipients and mentions the composer may offer
	Prefs          store.NotificationPrefs
	Single         bool
	Partial        bool
	Pending        []domain.Proposal // open proposals the viewer decides, shown atop the feed
	Tasks          []domain.Task     // what a new post may be linked to
}

func (h *Handler) activityTab(w http.ResponseWriter, r *http.Request) {
	_, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	f.Active = "activity"
	ctx := r.Context()
	pageData, err := h.app.Feed(ctx, f.PA, r.URL.Query().Get("cursor"), 20)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.feedData(r, f, pageData.Threads)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Next, d.Cursor = pageData.Next, r.URL.Query().Get("cursor")
	d.Partial = r.Header.Get("HX-Request") == "true" && r.URL.Query().Get("partial") == "feed"
	pg.Data = d
	if d.Partial {
		h.renderPartial(w, r, "activity", "feed_list", pg)
		return
	}
	h.render(w, r, 0, "activity", pg)
}

func (h *Handler) feedData(r *http.Request, f *projectFrame, threads []store.Thread) (*feedData, error) {
	ctx := r.Context()
	pa := f.PA
	writable := pa.ViewAs == nil
	d := &feedData{Frame: f, CanPost: writable && pa.Can(access.WritePost), CanAttach: writable && pa.Can(access.AttachFile),
		DefaultPrivate: pa.DefaultPrivacy() == domain.PostPrivate}
	people, err := h.app.MentionCandidates(ctx, pa, "", false)
	if err != nil {
		return nil, err
	}
	d.People = people
	if d.Prefs, err = h.app.Store.FindNotificationPrefs(ctx, pa.Principal.User.ID, f.Project.ID); err != nil {
		return nil, err
	}
	if d.CanPost {
		if d.Tasks, _, err = h.app.Tasks(ctx, pa, store.TaskFilter{Limit: store.MaxLimit}); err != nil {
			return nil, err
		}
	}
	sched, err := h.app.Schedule(ctx, pa)
	if err != nil {
		return nil, err
	}
	for i := range sched.Proposals {
		if pa.CanDecide(&sched.Proposals[i]) {
			d.Pending = append(d.Pending, sched.Proposals[i])
		}
	}
	for _, t := range threads {
		tv := threadView{Thread: t, Deletable: map[string]bool{}, Editable: map[string]bool{}}
		if t.Root.Private {
			if tv.Recipients, err = h.app.ThreadRecipients(ctx, pa, &t); err != nil {
				return nil, err
			}
		}
		fr := pa.Facts()
		fr.Private, fr.Recipient = t.Root.Private, true
		tv.CanReply = writable && pa.Decide(access.WritePost, fr).Allowed
		tv.CanInternal = writable && pa.Decide(access.WriteInternalReply, fr).Allowed
		tv.CanAddPeople = writable && t.Root.Private && pa.Decide(access.AddRecipients, fr).Allowed
		tv.CanPin = writable && pa.Decide(access.PinPost, fr).Allowed
		for _, p := range append([]domain.Post{t.Root}, t.Replies...) {
			pf := fr
			pf.Own, pf.Internal = p.AuthorID == pa.UserID, p.Internal
			tv.Deletable[p.ID] = writable && pa.Decide(access.DeletePost, pf).Allowed
			tv.Editable[p.ID] = writable && pa.Decide(access.EditPost, pf).Allowed
		}
		if tv.CanAddPeople {
			for _, p := range people {
				if !containsParticipant(tv.Recipients, p.UserID) {
					tv.AddCandidates = append(tv.AddCandidates, p)
				}
			}
		}
		d.Threads = append(d.Threads, tv)
	}
	return d, nil
}

func containsParticipant(ps []domain.Participant, id string) bool {
	for _, p := range ps {
		if p.UserID == id {
			return true
		}
	}
	return false
}

func (h *Handler) threadPage(w http.ResponseWriter, r *http.Request) {
	_, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	f.Active = "activity"
	t, err := h.app.Thread(r.Context(), f.PA, r.PathValue("thread"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.feedData(r, f, []store.Thread{*t})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Single = true
	d.Partial = r.Header.Get("HX-Request") == "true" && r.URL.Query().Get("partial") == "feed"
	pg.Data = d
	if d.Partial {
		h.renderPartial(w, r, "activity", "feed_list", pg)
		return
	}
	h.render(w, r, 0, "activity", pg)
}

// postForm is a post or reply form as sent: fields, and files staged on the way.
type postForm struct {
	Body       string
	Private    *bool
	Internal   bool
	Recipients []string
	Mentions   []string
	Files      []domain.File
	TaskID     string
}

// readPostForm reads a (multipart) form, staging each file as it streams by.
func (h *Handler) readPostForm(r *http.Request, pa *app.ProjectActor, filesTab bool) (*postForm, error) {
	form := &postForm{}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		r.ParseForm()
		form.fill(r.PostForm)
		return form, nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, h.app.MaxUpload*4+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, domain.Invalid(domain.FieldError{Field: "file", Message: "the upload was malformed"})
	}
	vals := map[string][]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			h.app.DiscardUploads(r.Context(), form.Files)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, &domain.Error{Code: domain.ETOOLARGE, Message: "the upload is too large"}
			}
			return nil, domain.Invalid(domain.FieldError{Field: "file", Message: "the upload was malformed"})
		}
		if part.FileName() == "" {
			b, _ := io.ReadAll(io.LimitReader(part, domain.MaxPostLen*4+1))
			vals[part.FormName()] = append(vals[part.FormName()], string(b))
			part.Close()
			continue
		}
		if len(form.Files) == 0 {
			if err := h.app.RequireUpload(pa, filesTab); err != nil {
				part.Close()
				return nil, err
			}
		}
		f, err := h.app.StageUpload(r.Context(), pa, app.Upload{Name: part.FileName(), Body: part})
		part.Close()
		if err != nil {
			h.app.DiscardUploads(r.Context(), form.Files)
			return nil, err
		}
		form.Files = append(form.Files, *f)
	}
	form.fill(vals)
	return form, nil
}

func (f *postForm) fill(v map[string][]string) {
	get := func(k string) string {
		if len(v[k]) > 0 {
			return v[k][0]
		}
		return ""
	}
	f.Body = get("body")
	if p := get("privacy"); p != "" {
		private := p == "private"
		f.Private = &private
	}
	f.Internal = get("internal") == "on"
	f.Recipients, f.Mentions = v["recipients"], v["mentions"]
	f.TaskID = get("task_id")
}

func (h *Handler) createPost(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	form, err := h.readPostForm(r, f.PA, false)
	if err == nil {
		_, err = h.app.CreatePost(r.Context(), f.PA, app.PostInput{Body: form.Body, Private: form.Private, Recipients: form.Recipients, Mentions: form.Mentions, Files: form.Files, TaskID: form.TaskID})
	}
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/tab/activity", "Posted.")
}

// afterWrite redirects on success and shows the safe message of a refusal on the page the
// form came from.
func (h *Handler) afterWrite(w http.ResponseWriter, r *http.Request, f *projectFrame, err error, to, ok string) {
	if err == nil {
		h.redirect(w, r, to, ok)
		return
	}
	switch domain.ErrorCode(err) {
	case domain.EINVALID, domain.ETOOLARGE, domain.EFORBIDDEN, domain.ECONFLICT:
		msg := domain.ErrorMessage(err)
		if de, isDE := err.(*domain.Error); isDE && len(de.Fields) > 0 {
			msgs := make([]string, len(de.Fields))
			for i, fe := range de.Fields {
				msgs[i] = fe.Message
			}
			msg = strings.Join(msgs, "; ")
		}
		h.redirectError(w, r, to, msg)
	default:
		h.fail(w, r, err)
	}
}

func (h *Handler) createReply(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	thread := r.PathValue("thread")
	form, err := h.readPostForm(r, f.PA, false)
	if err == nil {
		_, err = h.app.CreateReply(r.Context(), f.PA, thread, app.ReplyInput{Body: form.Body, Internal: form.Internal, Mentions: form.Mentions, Files: form.Files})
	}
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/threads/"+thread, "Replied.")
}

func (h *Handler) addRecipients(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	thread := r.PathValue("thread")
	_, err := h.app.AddRecipients(r.Context(), f.PA, thread, r.PostForm["user_ids"])
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/threads/"+thread, "Added. They now see the whole thread.")
}

func (h *Handler) deletePost(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	err := h.app.DeletePost(r.Context(), f.PA, r.PathValue("post"))
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/tab/activity", "Deleted.")
}

func (h *Handler) pinPost(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	err := h.app.SetPinned(r.Context(), f.PA, r.PathValue("post"), r.PostForm.Get("pinned") == "true")
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/tab/activity", "")
}

func (h *Handler) editPost(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	p, err := h.app.EditPost(r.Context(), f.PA, r.PathValue("post"), r.PostForm.Get("body"))
	to := "/projects/" + f.Project.ID + "/tab/activity"
	if err == nil {
		to = "/projects/" + f.Project.ID + "/threads/" + p.ThreadID
	}
	h.afterWrite(w, r, f, err, to, "Saved.")
}

type filesData struct {
	Frame          *projectFrame
	Files          []domain.File
	Next           string
	CanUpload      bool
	Deletable      map[string]bool
	People         []domain.Participant
	DefaultPrivate bool
}

func (h *Handler) filesTab(w http.ResponseWriter, r *http.Request) {
	_, pg, f, ok := h.project(w, r)
	if !ok {
		return
	}
	f.Active = "files"
	files, next, err := h.app.Files(r.Context(), f.PA, r.URL.Query().Get("cursor"), 50)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := filesData{Frame: f, Files: files, Next: next, CanUpload: f.PA.ViewAs == nil && f.PA.Can(access.UploadFile), Deletable: map[string]bool{},
		DefaultPrivate: f.PA.DefaultPrivacy() == domain.PostPrivate}
	for _, file := range files {
		fct := f.PA.Facts()
		fct.Own = file.UploaderID == f.PA.UserID
		d.Deletable[file.ID] = f.PA.ViewAs == nil && f.PA.Decide(access.DeleteFile, fct).Allowed
	}
	if d.CanUpload {
		if d.People, err = h.app.MentionCandidates(r.Context(), f.PA, "", false); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	pg.Data = d
	h.render(w, r, 0, "files", pg)
}

func (h *Handler) uploadFiles(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	form, err := h.readPostForm(r, f.PA, true)
	if err == nil {
		_, err = h.app.UploadFiles(r.Context(), f.PA, app.PostInput{Body: form.Body, Private: form.Private, Recipients: form.Recipients, Files: form.Files})
	}
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/tab/files", "Uploaded.")
}

func (h *Handler) deleteFile(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	err := h.app.DeleteFile(r.Context(), f.PA, r.PathValue("file"))
	h.afterWrite(w, r, f, err, "/projects/"+f.Project.ID+"/tab/files", "File deleted.")
}

// fileContent serves a file the viewer may see — for preview, or as a download.
func (h *Handler) fileContent(w http.ResponseWriter, r *http.Request) {
	_, _, f, ok := h.project(w, r)
	if !ok {
		return
	}
	file, rc, err := h.app.FileForActor(r.Context(), f.PA, r.PathValue("file"), true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer rc.Close()
	api.ServeFileHeaders(w.Header().Set, file, r.URL.Query().Get("download") == "1")
	io.Copy(w, rc)
}

func (h *Handler) projectNotificationPrefs(w http.ResponseWriter, r *http.Request) {
	v, _, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	id := r.PathValue("id")
	err := h.app.SaveNotificationPrefs(r.Context(), v.p, id, r.PostForm.Get("email"), r.PostForm.Get("muted") == "on")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/projects/"+id+"/tab/activity", "Notification settings saved for this project.")
}
