package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/reqctx"
)

// multipartBody documents the streamed upload form in the OpenAPI document; the handlers read
// the parts themselves so that files go straight to the blob store, never whole into memory.
var multipartBody = &huma.RequestBody{
	Description: "multipart/form-data: text fields first (body, private, recipient_ids, mention_ids, internal), then one or more `file` parts",
	Content: map[string]*huma.MediaType{"multipart/form-data": {Schema: &huma.Schema{Type: "object", Properties: map[string]*huma.Schema{
		"body":          {Type: "string"},
		"private":       {Type: "boolean"},
		"internal":      {Type: "boolean"},
		"recipient_ids": {Type: "array", Items: &huma.Schema{Type: "string"}},
		"mention_ids":   {Type: "array", Items: &huma.Schema{Type: "string"}},
		"file":          {Type: "array", Items: &huma.Schema{Type: "string", Format: "binary"}},
	}}}},
}

// uploadForm is what a streamed multipart request carried.
type uploadForm struct {
	Body       string
	Private    *bool
	Internal   bool
	Recipients []string
	Mentions   []string
	Files      []domain.File
}

// uploadForm refuses before anything is stored (Files tab: an Edit level; attachments: Post to
// Activity Feed), then streams the form.
func (h *Handler) uploadForm(ctx context.Context, pa *app.ProjectActor, filesTab bool) (*uploadForm, error) {
	if err := h.app.RequireUpload(pa, filesTab); err != nil {
		return nil, err
	}
	return h.readUploadForm(ctx, pa)
}

// postInput is the form as a new post.
func (f *uploadForm) postInput() app.PostInput {
	return app.PostInput{Body: f.Body, Private: f.Private, Recipients: f.Recipients, Mentions: f.Mentions, Files: f.Files}
}

// readUploadForm streams a multipart request: fields are collected, each file part is staged in
// the blob store as it arrives. On any error the staged files are discarded.
func (h *Handler) readUploadForm(ctx context.Context, pa *app.ProjectActor) (*uploadForm, error) {
	r := reqctx.Request(ctx)
	if r == nil {
		return nil, errors.New("api: no request in context")
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, domain.Invalid(domain.FieldError{Field: "", Message: "send multipart/form-data"})
	}
	// The whole request may be a little larger than the files it carries.
	r.Body = http.MaxBytesReader(nil, r.Body, h.app.MaxUpload*4+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, domain.Invalid(domain.FieldError{Field: "", Message: "malformed multipart body"})
	}
	form := &uploadForm{}
	fail := func(err error) (*uploadForm, error) {
		h.app.DiscardUploads(context.WithoutCancel(ctx), form.Files)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &domain.Error{Code: domain.ETOOLARGE, Message: "the upload is too large"}
		}
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return form, nil
		}
		if err != nil {
			return fail(domain.Invalid(domain.FieldError{Field: "", Message: "malformed multipart body: " + err.Error()}))
		}
		if part.FileName() != "" {
			f, err := h.app.StageUpload(ctx, pa, app.Upload{Name: part.FileName(), Body: part})
			part.Close()
			if err != nil {
				return fail(err)
			}
			form.Files = append(form.Files, *f)
			continue
		}
		if err := form.field(part); err != nil {
			return fail(err)
		}
	}
}

func (f *uploadForm) field(part *multipart.Part) error {
	defer part.Close()
	b, err := io.ReadAll(io.LimitReader(part, domain.MaxPostLen*4+1))
	if err != nil {
		return err
	}
	v := string(b)
	switch part.FormName() {
	case "body":
		f.Body = v
	case "private":
		p := v == "true" || v == "on" || v == "1"
		f.Private = &p
	case "internal":
		f.Internal = v == "true" || v == "on" || v == "1"
	case "recipient_ids":
		f.Recipients = append(f.Recipients, strings.TrimSpace(v))
	case "mention_ids":
		f.Mentions = append(f.Mentions, strings.TrimSpace(v))
	default:
		return domain.Invalid(domain.FieldError{Field: part.FormName(), Message: "unexpected property"})
	}
	return nil
}

type filesInput struct {
	ProjectPath
	PageQuery
}

type filesPage struct {
	Items      []fileOut `json:"items"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

// FilePath names a file.
type FilePath struct {
	File string `path:"file" maxLength:"64"`
}

type fileContentInput struct {
	FilePath
	Download bool `query:"download" doc:"as an attachment rather than for viewing"`
}

func (h *Handler) registerFiles(api huma.API) {
	huma.Register(api, op("list-files", http.MethodGet, "/api/v1/projects/{project}/files", "The project's files the caller may see (each as its post)", "files"),
		func(ctx context.Context, in *filesInput) (*struct{ Body filesPage }, error) {
			pa, err := h.projectActor(ctx, in.ProjectPath)
			if err != nil {
				return nil, h.fail(err)
			}
			fs, next, err := h.app.Files(ctx, pa, in.Cursor, in.Limit)
			if err != nil {
				return nil, h.fail(err)
			}
			out := filesPage{Items: []fileOut{}, NextCursor: next}
			for _, f := range fs {
				out.Items = append(out.Items, fileView(f))
			}
			return &struct{ Body filesPage }{out}, nil
		})
	upload := op("upload-files", http.MethodPost, "/api/v1/projects/{project}/files", "Upload files to the Files tab (needs an Edit level); they get a post of their own, public or private", "files")
	upload.DefaultStatus = http.StatusCreated
	huma.Register(api, upload, func(ctx context.Context, in *ProjectPath) (*struct{ Body threadOut }, error) {
		pa, err := h.projectActor(ctx, *in)
		if err != nil {
			return nil, h.fail(err)
		}
		form, err := h.uploadForm(ctx, pa, true)
		if err != nil {
			return nil, h.fail(err)
		}
		p, err := h.app.UploadFiles(ctx, pa, form.postInput())
		if err != nil {
			return nil, h.fail(err)
		}
		return h.threadResponse(ctx, pa, p.ThreadID)
	})
	attach := op("create-post-with-files", http.MethodPost, "/api/v1/projects/{project}/posts/multipart", "Write a post with attachments (needs Post to Activity Feed)", "files")
	attach.DefaultStatus = http.StatusCreated
	huma.Register(api, attach, func(ctx context.Context, in *ProjectPath) (*struct{ Body threadOut }, error) {
		pa, err := h.projectActor(ctx, *in)
		if err != nil {
			return nil, h.fail(err)
		}
		form, err := h.uploadForm(ctx, pa, false)
		if err != nil {
			return nil, h.fail(err)
		}
		p, err := h.app.CreatePost(ctx, pa, form.postInput())
		if err != nil {
			return nil, h.fail(err)
		}
		return h.threadResponse(ctx, pa, p.ThreadID)
	})
	reply := op("create-reply-with-files", http.MethodPost, "/api/v1/posts/{post}/replies/multipart", "Reply with attachments", "files")
	reply.DefaultStatus = http.StatusCreated
	huma.Register(api, reply, func(ctx context.Context, in *PostPath) (*struct{ Body postOut }, error) {
		pa, err := h.postActor(ctx, "post", in.Post)
		if err != nil {
			return nil, h.fail(err)
		}
		if _, err := h.app.Thread(ctx, pa, in.Post); err != nil {
			return nil, h.fail(err)
		}
		form, err := h.uploadForm(ctx, pa, false)
		if err != nil {
			return nil, h.fail(err)
		}
		p, err := h.app.CreateReply(ctx, pa, in.Post, app.ReplyInput{Body: form.Body, Internal: form.Internal, Mentions: form.Mentions, Files: form.Files})
		if err != nil {
			return nil, h.fail(err)
		}
		saved, err := h.app.PostForActor(ctx, pa, p.ID)
		if err != nil {
			return nil, h.fail(err)
		}
		return &struct{ Body postOut }{postView(*saved)}, nil
	})
	// Declared after registering so huma documents the form but leaves the body to the
	// handlers, which stream it.
	for _, o := range []*huma.Operation{api.OpenAPI().Paths[upload.Path].Post, api.OpenAPI().Paths[attach.Path].Post, api.OpenAPI().Paths[reply.Path].Post} {
		o.RequestBody = multipartBody
	}
	huma.Register(api, op("get-file", http.MethodGet, "/api/v1/files/{file}", "A file's details", "files"),
		func(ctx context.Context, in *FilePath) (*struct{ Body fileOut }, error) {
			pa, err := h.postActor(ctx, "file", in.File)
			if err != nil {
				return nil, h.fail(err)
			}
			f, _, err := h.app.FileForActor(ctx, pa, in.File, false)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body fileOut }{fileView(*f)}, nil
		})
	huma.Register(api, op("delete-file", http.MethodDelete, "/api/v1/files/{file}", "Delete a file (its uploader, or a provider Project Administrator)", "files"),
		func(ctx context.Context, in *FilePath) (*struct{}, error) {
			pa, err := h.postActor(ctx, "file", in.File)
			if err != nil {
				return nil, h.fail(err)
			}
			return nil, h.failOrNil(h.app.DeleteFile(ctx, pa, in.File))
		})
	content := op("file-content", http.MethodGet, "/api/v1/files/{file}/content", "A file's contents, with its sniffed type", "files")
	content.Responses = map[string]*huma.Response{"200": {Description: "the file", Content: map[string]*huma.MediaType{"application/octet-stream": {}}}}
	huma.Register(api, content, func(ctx context.Context, in *fileContentInput) (*huma.StreamResponse, error) {
		pa, err := h.postActor(ctx, "file", in.File)
		if err != nil {
			return nil, h.fail(err)
		}
		f, rc, err := h.app.FileForActor(ctx, pa, in.File, true)
		if err != nil {
			return nil, h.fail(err)
		}
		return &huma.StreamResponse{Body: func(hc huma.Context) {
			defer rc.Close()
			ServeFileHeaders(hc.SetHeader, f, in.Download)
			hc.SetStatus(http.StatusOK)
			io.Copy(hc.BodyWriter(), rc)
		}}, nil
	})
}

// inlineTypes are shown in the browser; everything else downloads.
var inlineTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}

// ServeFileHeaders sets the headers that make serving an uploaded file safe: the sniffed type,
// nosniff, an attachment unless it is a type we preview, a sandboxing CSP, and the name.
func ServeFileHeaders(set func(name, value string), f *domain.File, download bool) {
	inline := !download
	if inline {
		inline = false
		for _, t := range inlineTypes {
			if strings.HasPrefix(f.ContentType, t) {
				inline = true
			}
		}
	}
	disp := "attachment"
	if inline {
		disp = "inline"
	}
	set("Content-Type", f.ContentType)
	set("X-Content-Type-Options", "nosniff")
	set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": f.Name}))
	set("Cache-Control", "private, no-store")
}
