// Package blob keeps the contents of uploaded files.
//
// The rest of Portico depends on the Store interface. Open builds one from a
// single location string (PORTICO_BLOB_URL or the like):
//
//   - a directory path, "./portico-data/files", or "file:///var/lib/portico/files":
//     a local directory, created if missing;
//   - "s3://bucket?endpoint=https://s3.example.com&region=us-east-1&use_path_style=true":
//     a bucket on any S3-compatible service (see openS3 for the parameters);
//   - "mem://": in memory, gone on Close; for tests of other packages.
//
// Both real backends are gocloud.dev/blob buckets, so they behave alike: a Put
// is all or nothing, and the same test suite runs against both.
//
// Keys are chosen by Portico, never taken from a client: they are slash-separated
// paths of [A-Za-z0-9_.-] such as "accounts/0190.../files/0190...". Anything else
// (empty, absolute, "..", "//", ".") is refused with ErrInvalidKey, so a key can
// never reach outside the directory or bucket it belongs to.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	gcblob "gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"
)

// Errors returned by a Store; test for them with errors.Is.
var (
	// ErrNotFound: no content is stored under the key.
	ErrNotFound = errors.New("not found")
	// ErrTooLarge: Put read more than its maxBytes; nothing was stored.
	ErrTooLarge = errors.New("content too large")
	// ErrInvalidKey: the key is not of the form described in the package comment.
	ErrInvalidKey = errors.New("invalid key")
)

// Store keeps file contents by key. Implementations are safe for concurrent use.
type Store interface {
	// Put streams r under key, replacing what was there, and returns the number
	// of bytes stored. An empty contentType is sniffed from the first bytes.
	// It refuses more than maxBytes (which must not be negative): it then
	// returns ErrTooLarge and leaves nothing behind (no partial object; a
	// previous object under key stays as it was). The same holds when ctx is
	// done before the content is stored: the error then wraps ctx.Err().
	// Other errors: ErrInvalidKey.
	Put(ctx context.Context, key string, r io.Reader, contentType string, maxBytes int64) (written int64, err error)

	// Open returns the content stored under key, which the caller must close.
	// Reading stops with an error once ctx is done. The reader is a *Reader,
	// which also tells the content type and size. Errors: ErrNotFound,
	// ErrInvalidKey.
	Open(ctx context.Context, key string) (io.ReadCloser, error)

	// Delete removes the content stored under key. Deleting a missing key is
	// not an error. Errors: ErrInvalidKey.
	Delete(ctx context.Context, key string) error

	// Close releases the store's resources. Readers already open stay usable
	// on the real backends.
	Close() error
}

// Reader is the content that Store.Open returns.
type Reader struct {
	r *gcblob.Reader
}

// Read reads the content.
func (r *Reader) Read(p []byte) (int, error) { return r.r.Read(p) }

// Close releases the reader.
func (r *Reader) Close() error { return r.r.Close() }

// ContentType is the media type the content was stored with.
func (r *Reader) ContentType() string { return r.r.ContentType() }

// Size is the length of the content in bytes.
func (r *Reader) Size() int64 { return r.r.Size() }

// Open returns the Store at location: a directory path, "file:///abs/dir",
// "s3://bucket?…" or "mem://" (see the package comment). Error messages never
// repeat the location's query, which may hold a secret key.
func Open(ctx context.Context, location string) (Store, error) {
	_, _, hasScheme := strings.Cut(location, "://")
	if location == "" {
		return nil, errors.New("blob: open: empty location")
	}
	if !hasScheme {
		// "s3:bucket" is a mistyped URL, not a directory to create.
		if prefix, _, ok := strings.Cut(location, ":"); ok && slices.Contains([]string{"file", "s3", "mem"}, prefix) {
			return nil, fmt.Errorf("blob: open: want %s://…", prefix)
		}
		return openDir(location)
	}
	u, err := url.Parse(location)
	if err != nil {
		// url.Error repeats the whole URL; keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("blob: open: malformed URL: %w", err)
	}
	if u.User != nil {
		return nil, errors.New("blob: open: credentials in the URL's user part are not supported")
	}
	switch u.Scheme {
	case "file":
		if (u.Host != "" && u.Host != "localhost") || !filepath.IsAbs(u.Path) || u.RawQuery != "" {
			return nil, errors.New("blob: open file location: want file:///absolute/dir, without query")
		}
		return openDir(u.Path)
	case "s3":
		return openS3(ctx, u)
	case "mem":
		return &store{b: memblob.OpenBucket(nil), name: "mem"}, nil
	default:
		return nil, fmt.Errorf("blob: open: unsupported scheme %q (want a directory, file://, s3:// or mem://)", u.Scheme)
	}
}

// openDir opens the local directory dir, creating it if missing.
func openDir(dir string) (Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: open directory %q: %w", dir, err)
	}
	b, err := fileblob.OpenBucket(abs, &fileblob.Options{
		CreateDir:   true,
		DirFileMode: 0o750,
		// Temporary files next to their final path, so the closing rename never
		// crosses file systems (os.TempDir may be another mount).
		NoTempDir: true,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: open directory %q: %w", abs, err)
	}
	return &store{b: b, name: "directory " + abs}, nil
}

// store is a Store on a gocloud.dev bucket: fileblob, s3blob or memblob.
type store struct {
	b    *gcblob.Bucket
	name string // for error messages; never holds a secret
}

// Put implements Store.
func (s *store) Put(ctx context.Context, key string, r io.Reader, contentType string, maxBytes int64) (int64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if maxBytes < 0 {
		return 0, fmt.Errorf("blob: put %q: negative maxBytes %d", key, maxBytes)
	}
	// Cancelling wctx before Close is how a gocloud write is aborted: the
	// temporary file is removed, the S3 upload (or multipart upload) abandoned.
	wctx, abort := context.WithCancel(ctx)
	defer abort()
	w, err := s.b.NewWriter(wctx, key, &gcblob.WriterOptions{ContentType: contentType})
	if err != nil {
		return 0, fmt.Errorf("blob: put %q in %s: %w", key, s.name, err)
	}
	limit := maxBytes
	if limit < math.MaxInt64 {
		limit++ // one byte more than allowed tells "too large" from "exactly maxBytes"
	}
	n, err := io.Copy(w, io.LimitReader(ctxReader{ctx, r}, limit))
	if err == nil && n > maxBytes {
		err = fmt.Errorf("over %d bytes: %w", maxBytes, ErrTooLarge)
	}
	if ctx.Err() != nil {
		// Cancelled: a write error is only its echo, and a complete read must
		// not be stored either.
		err = ctx.Err()
	}
	if err != nil {
		abort()
		_ = w.Close()
		return 0, fmt.Errorf("blob: put %q in %s: %w", key, s.name, err)
	}
	if err := w.Close(); err != nil {
		return 0, fmt.Errorf("blob: put %q in %s: %w", key, s.name, err)
	}
	return n, nil
}

// Open implements Store.
func (s *store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	r, err := s.b.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("blob: open %q: %w", key, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("blob: open %q in %s: %w", key, s.name, err)
	}
	return &Reader{r: r}, nil
}

// Delete implements Store.
func (s *store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	err := s.b.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("blob: delete %q in %s: %w", key, s.name, err)
	}
	return nil
}

// Close implements Store.
func (s *store) Close() error {
	if err := s.b.Close(); err != nil {
		return fmt.Errorf("blob: close %s: %w", s.name, err)
	}
	return nil
}

// ctxReader stops reading r once ctx is done, so a Put from a source that
// never blocks (or a slow one between reads) still ends on cancellation.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// maxKeyLen is S3's limit on key length.
const maxKeyLen = 1024

// checkKey returns an error wrapping ErrInvalidKey unless key is a relative
// slash-separated path of [A-Za-z0-9_.-] segments, none empty, "." or "..",
// and no ".." anywhere. Segments ending in ".attrs" are refused too: the local
// directory keeps each file's content type in such a file beside it.
func checkKey(key string) error {
	bad := func(why string) error {
		return fmt.Errorf("blob: key %q: %s: %w", key, why, ErrInvalidKey)
	}
	if key == "" {
		return fmt.Errorf("blob: empty key: %w", ErrInvalidKey)
	}
	if len(key) > maxKeyLen {
		return fmt.Errorf("blob: key of %d bytes, over %d: %w", len(key), maxKeyLen, ErrInvalidKey)
	}
	for _, c := range []byte(key) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '/' || c == '_' || c == '-' || c == '.') {
			return bad("character outside [A-Za-z0-9/_.-]")
		}
	}
	if strings.Contains(key, "..") {
		return bad(`contains ".."`)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return bad("empty path segment (leading, trailing or double slash)")
		case seg == ".":
			return bad(`"." segment`)
		case strings.HasSuffix(seg, ".attrs"):
			return bad(`segment ending in ".attrs"`)
		}
	}
	return nil
}
