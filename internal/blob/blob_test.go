package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// newStoreFunc returns a new, empty store for one test case, and a function
// that lists everything physically left in it: files (temporary ones and
// content-type sidecars included) or objects and unfinished multipart uploads.
type newStoreFunc func(t *testing.T) (s Store, leftovers func() []string)

// TestStore runs the same cases against every backend: the local directory
// always, S3 against a real versitygw when one is installed (see versitygw_test.go).
func TestStore(t *testing.T) {
	t.Run("Local", func(t *testing.T) {
		testStore(t, newLocalStore)
	})
	t.Run("S3", func(t *testing.T) {
		gw := startVersityGW(t)
		testStore(t, gw.newStore)
	})
}

// newLocalStore opens a store on a directory that does not exist yet.
func newLocalStore(t *testing.T) (Store, func() []string) {
	dir := filepath.Join(t.TempDir(), "files")
	s := MustOpen(t, dir)
	return s, func() []string {
		var files []string
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, path)
				files = append(files, filepath.ToSlash(rel))
			}
			return err
		})
		if err != nil {
			t.Fatalf("listing %s: %v", dir, err)
		}
		return files
	}
}

func testStore(t *testing.T, newStore newStoreFunc) {
	t.Run("Put", func(t *testing.T) { testPut(t, newStore) })
	t.Run("PutTooLarge", func(t *testing.T) { testPutTooLarge(t, newStore) })
	t.Run("PutCanceled", func(t *testing.T) { testPutCanceled(t, newStore) })

	t.Run("Open/ErrNotFound", func(t *testing.T) {
		s, _ := newStore(t)
		_, err := s.Open(testContext(t), "no/such/key")
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("Open of a missing key: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("Delete/OK", func(t *testing.T) {
		s, leftovers := newStore(t)
		ctx := testContext(t)
		MustPut(t, s, "d/1.txt", "bye", "text/plain")
		if err := s.Delete(ctx, "d/1.txt"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, "d/1.txt"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open after Delete: err = %v, want ErrNotFound", err)
		}
		if got := leftovers(); len(got) != 0 {
			t.Errorf("left behind after Delete: %q", got)
		}
	})

	t.Run("Delete/OK_Missing", func(t *testing.T) {
		s, _ := newStore(t)
		if err := s.Delete(testContext(t), "never/put"); err != nil {
			t.Errorf("Delete of a missing key: %v, want nil", err)
		}
	})

	t.Run("ErrInvalidKey", func(t *testing.T) {
		s, leftovers := newStore(t)
		ctx := testContext(t)
		for _, key := range []string{"../x", "/abs", "", "a/../../x", "a//b", "a/", "./a", "a b", "é", "x.attrs"} {
			if _, err := s.Put(ctx, key, strings.NewReader("x"), "text/plain", 10); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Put(%q): err = %v, want ErrInvalidKey", key, err)
			}
			if _, err := s.Open(ctx, key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Open(%q): err = %v, want ErrInvalidKey", key, err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Delete(%q): err = %v, want ErrInvalidKey", key, err)
			}
		}
		if got := leftovers(); len(got) != 0 {
			t.Errorf("left behind: %q", got)
		}
	})
}

func testPut(t *testing.T, newStore newStoreFunc) {
	t.Run("OK", func(t *testing.T) {
		s, _ := newStore(t)
		ctx := testContext(t)
		content := "%PDF-1.7 not really\x00\xff binary"
		n, err := s.Put(ctx, "accounts/a1/files/f1.pdf", strings.NewReader(content), "application/pdf", 100)
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(len(content)) {
			t.Errorf("written = %d, want %d", n, len(content))
		}
		got, ct, size := MustRead(t, s, "accounts/a1/files/f1.pdf")
		if diff := cmp.Diff(content, string(got)); diff != "" {
			t.Errorf("content (-want +got):\n%s", diff)
		}
		if ct != "application/pdf" {
			t.Errorf("content type = %q, want application/pdf", ct)
		}
		if size != int64(len(content)) {
			t.Errorf("size = %d, want %d", size, len(content))
		}

		// Put replaces.
		MustPut(t, s, "accounts/a1/files/f1.pdf", "v2", "text/plain; charset=utf-8")
		got, ct, _ = MustRead(t, s, "accounts/a1/files/f1.pdf")
		if string(got) != "v2" || ct != "text/plain; charset=utf-8" {
			t.Errorf("after a second Put: %q %q, want %q %q", got, ct, "v2", "text/plain; charset=utf-8")
		}
	})

	t.Run("OK_ExactlyMaxBytes", func(t *testing.T) {
		s, _ := newStore(t)
		for _, content := range []string{"", "12345"} {
			n, err := s.Put(testContext(t), "exact", strings.NewReader(content), "text/plain", int64(len(content)))
			if err != nil || n != int64(len(content)) {
				t.Errorf("Put of %d bytes with maxBytes %[1]d: %d, %v", len(content), n, err)
			}
		}
	})

	t.Run("OK_Streamed", func(t *testing.T) {
		// 5 MiB from a reader whose length nothing can learn up front.
		s, _ := newStore(t)
		const size = 5 << 20
		n, err := s.Put(testContext(t), "big/stream.bin", &patternReader{n: size}, "application/octet-stream", size+1)
		if err != nil {
			t.Fatal(err)
		}
		if n != size {
			t.Errorf("written = %d, want %d", n, size)
		}
		r := MustOpenKey(t, s, "big/stream.bin")
		gotSum := sha256.New()
		if _, err := io.Copy(gotSum, r); err != nil {
			t.Fatal(err)
		}
		wantSum := sha256.New()
		_, _ = io.Copy(wantSum, &patternReader{n: size})
		if !bytes.Equal(gotSum.Sum(nil), wantSum.Sum(nil)) {
			t.Error("content read back differs from what was put")
		}
	})
}

func testPutTooLarge(t *testing.T, newStore newStoreFunc) {
	t.Run("ErrTooLarge", func(t *testing.T) {
		s, leftovers := newStore(t)
		ctx := testContext(t)
		n, err := s.Put(ctx, "up/too-large.txt", strings.NewReader("0123456789x"), "text/plain", 10)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("Put of 11 bytes with maxBytes 10: n = %d, err = %v, want ErrTooLarge", n, err)
		}
		if _, err := s.Open(ctx, "up/too-large.txt"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open after ErrTooLarge: err = %v, want ErrNotFound", err)
		}
		if got := leftovers(); len(got) != 0 {
			t.Errorf("left behind: %q", got)
		}
	})

	t.Run("ErrTooLarge_Multipart", func(t *testing.T) {
		// Over 16 MiB, S3 uploads go in parts; the unfinished upload must be aborted.
		s, leftovers := newStore(t)
		const maxBytes = 17 << 20
		_, err := s.Put(testContext(t), "up/huge.bin", &patternReader{n: maxBytes + 1<<20}, "", maxBytes)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
		if got := leftovers(); len(got) != 0 {
			t.Errorf("left behind: %q", got)
		}
	})

	t.Run("ErrTooLarge_KeepsPrevious", func(t *testing.T) {
		s, _ := newStore(t)
		MustPut(t, s, "v", "version one", "text/plain")
		if _, err := s.Put(testContext(t), "v", strings.NewReader(strings.Repeat("x", 100)), "text/plain", 50); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
		if got, _, _ := MustRead(t, s, "v"); string(got) != "version one" {
			t.Errorf("content after a refused Put = %q, want the previous one", got)
		}
	})
}

func testPutCanceled(t *testing.T, newStore newStoreFunc) {
	t.Run("ErrCanceled", func(t *testing.T) {
		s, leftovers := newStore(t)
		ctx, cancel := context.WithCancel(testContext(t))
		defer cancel()
		// The source keeps giving bytes after the cancellation: Put must stop anyway.
		r := &patternReader{n: 3 << 20, afterFunc: cancel, after: 1 << 20}
		_, err := s.Put(ctx, "up/canceled.bin", r, "application/octet-stream", 10<<20)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if r.off >= r.n {
			t.Errorf("Put read the whole source (%d bytes) after the cancellation", r.off)
		}
		if _, err := s.Open(testContext(t), "up/canceled.bin"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open after a canceled Put: err = %v, want ErrNotFound", err)
		}
		if got := leftovers(); len(got) != 0 {
			t.Errorf("left behind: %q", got)
		}
	})

	t.Run("ErrCanceled_Before", func(t *testing.T) {
		s, leftovers := newStore(t)
		ctx, cancel := context.WithCancel(testContext(t))
		cancel()
		if _, err := s.Put(ctx, "up/never.txt", strings.NewReader("x"), "text/plain", 10); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if got := leftovers(); len(got) != 0 {
			t.Errorf("left behind: %q", got)
		}
	})
}

// TestOpen covers the locations Open accepts and refuses; the S3 ones that
// need a server are in TestStore.
func TestOpen(t *testing.T) {
	t.Run("OK_Dir", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "b")
		s := MustOpen(t, dir)
		MustPut(t, s, "k/x.txt", "hi", "text/plain")
		if got, err := os.ReadFile(filepath.Join(dir, "k", "x.txt")); err != nil || string(got) != "hi" {
			t.Errorf("file in the directory: %q, %v", got, err)
		}
	})

	t.Run("OK_FileURL", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "files")
		s := MustOpen(t, "file://"+filepath.ToSlash(dir))
		MustPut(t, s, "x", "hi", "text/plain")
		if _, err := os.Stat(filepath.Join(dir, "x")); err != nil {
			t.Error(err)
		}
	})

	t.Run("OK_Mem", func(t *testing.T) {
		s := MustOpen(t, "mem://")
		MustPut(t, s, "x", "hi", "text/plain")
		if got, _, _ := MustRead(t, s, "x"); string(got) != "hi" {
			t.Errorf("got %q", got)
		}
	})

	t.Run("Err", func(t *testing.T) {
		const secret = "SUPERSECRET"
		for _, loc := range []string{
			"",
			"gs://bucket",
			"s3:bucket",
			"file://host/dir",
			"file:///dir?create=1",
			"s3://",
			"s3://bucket/prefix",
			"s3://ak:" + secret + "@bucket",
			"s3://bad host?secret_key=" + secret,
			"s3://bucket?access_key=ak",
			"s3://bucket?use_path_style=maybe&access_key=ak&secret_key=" + secret,
			"s3://bucket?bogus=1&access_key=ak&secret_key=" + secret,
			// Nothing listens on port 1: the startup check fails.
			"s3://bucket?endpoint=http://127.0.0.1:1&region=us-east-1&use_path_style=true&access_key=ak&secret_key=" + secret,
		} {
			s, err := Open(testContext(t), loc)
			if err == nil {
				s.Close()
				t.Errorf("Open(%q) = nil error", loc)
				continue
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Open(%q) error shows the secret: %v", loc, err)
			}
		}
	})
}

func TestCheckKey(t *testing.T) {
	for _, key := range []string{"a", "A-b_c.d", "accounts/0190a/files/0190b.pdf", "a/b/c", ".hidden", strings.Repeat("k", maxKeyLen)} {
		if err := checkKey(key); err != nil {
			t.Errorf("checkKey(%q) = %v, want nil", key, err)
		}
	}
	for _, key := range []string{"", "..", "../x", "a/..", "a/../b", "x..y", "/abs", "a/", "a//b", ".", "./a", "a/./b",
		"a b", "a\\b", "a\x00", "é", "a.attrs", "a.attrs/b", strings.Repeat("k", maxKeyLen+1)} {
		if err := checkKey(key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("checkKey(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
}

// MustOpen opens the store at location or fails the test; the store is closed
// when the test ends.
func MustOpen(tb testing.TB, location string) Store {
	tb.Helper()
	s, err := Open(testContext(tb), location)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// MustPut stores content under key or fails the test.
func MustPut(tb testing.TB, s Store, key, content, contentType string) {
	tb.Helper()
	if _, err := s.Put(testContext(tb), key, strings.NewReader(content), contentType, 1<<20); err != nil {
		tb.Fatalf("Put(%q): %v", key, err)
	}
}

// MustOpenKey opens the content under key or fails the test; it is closed when
// the test ends.
func MustOpenKey(tb testing.TB, s Store, key string) *Reader {
	tb.Helper()
	rc, err := s.Open(testContext(tb), key)
	if err != nil {
		tb.Fatalf("Open(%q): %v", key, err)
	}
	tb.Cleanup(func() { _ = rc.Close() })
	r, ok := rc.(*Reader)
	if !ok {
		tb.Fatalf("Open(%q) returned a %T, want *Reader", key, rc)
	}
	return r
}

// MustRead returns the content, content type and size stored under key.
func MustRead(tb testing.TB, s Store, key string) (content []byte, contentType string, size int64) {
	tb.Helper()
	r := MustOpenKey(tb, s, key)
	content, err := io.ReadAll(r)
	if err != nil {
		tb.Fatalf("reading %q: %v", key, err)
	}
	return content, r.ContentType(), r.Size()
}

func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(tb.Context(), time.Minute)
	tb.Cleanup(cancel)
	return ctx
}

// patternReader yields n bytes of a fixed pattern in uneven chunks. It is only
// an io.Reader, so a store cannot learn the length up front. When afterFunc is
// set, it is called once off reaches after.
type patternReader struct {
	n, off    int64
	after     int64
	afterFunc func()
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n-r.off, 4093)]
	for i := range p {
		p[i] = byte((r.off + int64(i)) % 251)
	}
	r.off += int64(len(p))
	if r.afterFunc != nil && r.off >= r.after {
		r.afterFunc()
		r.afterFunc = nil
	}
	return len(p), nil
}
