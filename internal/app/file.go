package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// DefaultMaxUpload is the default size limit of one file (25 MiB).
const DefaultMaxUpload = 25 << 20

// BlobStore is where file contents live (internal/blob provides local and S3-compatible ones).
type BlobStore interface {
	Put(ctx context.Context, key string, r io.Reader, contentType string, maxBytes int64) (int64, error)
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
}

// Upload is one file as it arrives: a name the browser gave and a stream.
type Upload struct {
	Name string
	Body io.Reader
}

// RequireUpload refuses before anything is stored: uploads through the Files tab need an Edit
// level; attachments to a post or reply need Attach (Post to Activity Feed).
func (a *App) RequireUpload(pa *ProjectActor, filesTab bool) error {
	if filesTab {
		return pa.Require(access.UploadFile, pa.Facts(), true)
	}
	return pa.Require(access.AttachFile, pa.Facts(), true)
}

// StageUpload streams one upload into the blob store under a fresh key, sniffing its type from
// its first bytes (never trusting the browser) and sanitising its name. The returned file must
// be passed to CreatePost, CreateReply or UploadFiles, which store it with its post or discard
// it. Over the size limit: ETOOLARGE, and nothing stays behind.
func (a *App) StageUpload(ctx context.Context, pa *ProjectActor, up Upload) (*domain.File, error) {
	return a.storeUpload(ctx, pa, up)
}

func (a *App) storeUpload(ctx context.Context, pa *ProjectActor, up Upload) (*domain.File, error) {
	if a.Blobs == nil {
		return nil, errors.New("app: no blob store configured")
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(up.Body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("app: read upload: %w", err)
	}
	head = head[:n]
	name := SanitizeFileName(up.Name)
	ctype := sniff(head, name)
	key := pa.Project().AccountID + "/" + pa.Project().ID + "/" + store.NewID()
	counted := &countingReader{r: io.MultiReader(strings.NewReader(string(head)), up.Body)}
	size, err := a.Blobs.Put(ctx, key, counted, ctype, a.MaxUpload)
	if err != nil || counted.n > a.MaxUpload {
		_ = a.Blobs.Delete(context.WithoutCancel(ctx), key)
		if counted.n > a.MaxUpload {
			return nil, &domain.Error{Code: domain.ETOOLARGE, Message: fmt.Sprintf("the file %q is larger than %d MiB", name, a.MaxUpload>>20)}
		}
		return nil, fmt.Errorf("app: store upload: %w", err)
	}
	return &domain.File{ID: store.NewID(), UploaderID: pa.UserID, Name: name, ContentType: ctype, Size: size, BlobKey: key}, nil
}

// countingReader counts what passes, so the size limit holds whatever the blob store reports.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// DiscardUploads removes contents staged for files whose post was not written.
func (a *App) DiscardUploads(ctx context.Context, files []domain.File) {
	for _, f := range files {
		if err := a.Blobs.Delete(context.WithoutCancel(ctx), f.BlobKey); err != nil {
			a.Log.Warn("discard blob", "key", f.BlobKey, "err", err)
		}
	}
}

// sniff decides a file's type from its content (never trusting the browser's claim), refining
// generic text by the name's extension for the types we preview.
func sniff(head []byte, name string) string {
	ct := http.DetectContentType(head)
	if strings.HasPrefix(ct, "text/plain") {
		switch strings.ToLower(path.Ext(name)) {
		case ".csv":
			return "text/csv; charset=utf-8"
		case ".md":
			return "text/markdown; charset=utf-8"
		}
	}
	if ct == "application/octet-stream" {
		if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" && !strings.HasPrefix(t, "text/html") && !strings.Contains(t, "svg") && !strings.Contains(t, "javascript") {
			return t
		}
	}
	return ct
}

// SanitizeFileName keeps a file name safe to show and to put in a Content-Disposition header:
// no directories, no control or quote characters, at most 200 characters.
func SanitizeFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '"' || r == '/' || r == ';' || unicode.IsControl(r) || r == utf8.RuneError:
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	out := strings.Trim(strings.TrimSpace(b.String()), ".")
	if out == "" {
		out = "file"
	}
	if r := []rune(out); len(r) > 200 {
		out = string(r[:200])
	}
	return out
}

// UploadFiles adds files through the Files tab: each becomes a post (public or private, like
// any post) carrying them, so every file has exactly one owning post. Needs an Edit level.
func (a *App) UploadFiles(ctx context.Context, pa *ProjectActor, in PostInput) (*domain.Post, error) {
	if err := pa.Require(access.UploadFile, pa.Facts(), true); err != nil {
		a.DiscardUploads(ctx, in.Files)
		return nil, err
	}
	if len(in.Files) == 0 {
		return nil, domain.Invalid(domain.FieldError{Field: "file", Message: "choose a file to upload"})
	}
	if strings.TrimSpace(in.Body) == "" {
		names := make([]string, len(in.Files))
		for i, f := range in.Files {
			names[i] = f.Name
		}
		in.Body = "Uploaded " + strings.Join(names, ", ")
	}
	return a.createPost(ctx, pa, in, false)
}

// Files lists the project's files the actor may see.
func (a *App) Files(ctx context.Context, pa *ProjectActor, cursor string, limit int) ([]domain.File, string, error) {
	if err := pa.Require(access.ReadPublicPosts, pa.Facts(), false); err != nil {
		return nil, "", err
	}
	return a.Store.FindFiles(ctx, pa.Project().AccountID, pa.Project().ID, pa.Viewer(), cursor, limit)
}

// FileForActor returns a file the actor may see (its post visible), with a reader of its
// contents when open is set. ENOTFOUND otherwise.
func (a *App) FileForActor(ctx context.Context, pa *ProjectActor, id string, open bool) (*domain.File, io.ReadCloser, error) {
	f, err := a.Store.FindFile(ctx, id, pa.Viewer())
	if err != nil || f.ProjectID != pa.Project().ID {
		return nil, nil, domain.NotFound("file")
	}
	if !open {
		return f, nil, nil
	}
	rc, err := a.Blobs.Open(ctx, f.BlobKey)
	if err != nil {
		return nil, nil, fmt.Errorf("app: open file %s: %w", f.ID, err)
	}
	return f, rc, nil
}

// DeleteFile deletes a file: its uploader, or a provider Project Administrator.
func (a *App) DeleteFile(ctx context.Context, pa *ProjectActor, id string) error {
	f, _, err := a.FileForActor(ctx, pa, id, false)
	if err != nil {
		return err
	}
	facts := pa.Facts()
	facts.Own = f.UploaderID == pa.UserID
	if err := pa.Require(access.DeleteFile, facts, true); err != nil {
		return err
	}
	if err := a.Store.DeleteFile(ctx, f.AccountID, f.ID); err != nil {
		return err
	}
	a.Worker.Wake()
	return nil
}
