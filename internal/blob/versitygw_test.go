package blob

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Environment that controls the S3 tests.
const (
	// VersityGWEnv names the versitygw binary; without it versitygw on PATH,
	// then in $(go env GOBIN) or $(go env GOPATH)/bin.
	VersityGWEnv = "PORTICO_VERSITYGW"
	// RequireS3Env=1 turns "no versitygw found" from a skip into a failure (CI sets it).
	RequireS3Env = "PORTICO_REQUIRE_S3"
)

// The gateway's root credentials: a throwaway server on loopback.
const (
	testAccessKey = "portico-test"
	testSecretKey = "portico-test-secret"
	testRegion    = "us-east-1"
)

// versitygwPath finds the binary, or returns "" and what was tried if there is none.
func versitygwPath() (path, tried string) {
	if p := os.Getenv(VersityGWEnv); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", VersityGWEnv + "=" + p + ": " + err.Error()
		}
		return p, ""
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, ""
	}
	var dirs []string
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) == 2 {
			if lines[0] != "" {
				dirs = append(dirs, lines[0])
			}
			for _, gp := range filepath.SplitList(lines[1]) {
				dirs = append(dirs, filepath.Join(gp, "bin"))
			}
		}
	}
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, ""
		}
	}
	return "", fmt.Sprintf("no versitygw on PATH nor in %q; install it with "+
		"`go install github.com/versity/versitygw/cmd/versitygw@v1.8.0` or set %s", dirs, VersityGWEnv)
}

// versityGW is a versitygw S3 gateway run by a test, with its POSIX backend on
// a temporary directory.
type versityGW struct {
	endpoint string     // http://127.0.0.1:PORT
	client   *s3.Client // root credentials, path-style
	buckets  atomic.Int64
}

// startVersityGW starts a gateway on a free loopback port and stops it when the
// test ends. With no versitygw installed the test is skipped, unless
// PORTICO_REQUIRE_S3=1: then it fails, so that CI can never pass with the S3
// tests silently skipped.
func startVersityGW(t *testing.T) *versityGW {
	t.Helper()
	path, tried := versitygwPath()
	if path == "" {
		if os.Getenv(RequireS3Env) == "1" {
			t.Fatalf("S3 test cannot run (%s=1): %s", RequireS3Env, tried)
		}
		t.Skipf("S3 test skipped: %s", tried)
	}
	// The free port is found by listening on it and closing it; another process
	// may take it in between, so a gateway that exits at once is tried again.
	var endpoint string
	for attempt := 1; ; attempt++ {
		addr, err := runVersityGW(t, path)
		if err == nil {
			endpoint = "http://" + addr
			break
		}
		if attempt == 3 {
			t.Fatalf("starting versitygw: %v", err)
		}
		t.Logf("starting versitygw (attempt %d): %v", attempt, err)
	}
	return &versityGW{
		endpoint: endpoint,
		client: s3.New(s3.Options{
			Region:       testRegion,
			BaseEndpoint: aws.String(endpoint),
			UsePathStyle: true,
			Credentials:  credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, ""),
		}),
	}
}

// runVersityGW starts the gateway and waits until it accepts connections. On
// success, the gateway is stopped when the test ends.
func runVersityGW(t *testing.T, path string) (addr string, err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr = l.Addr().String()
	l.Close()

	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o700); err != nil {
		return "", err
	}
	var out lockedBuffer
	cmd := exec.Command(path, "--port", addr, "posix", root)
	cmd.Dir = dir
	// Credentials by environment (not on the command line); nothing else of
	// ours, so no stray VGW_* variable changes how it runs.
	cmd.Env = []string{"HOME=" + dir, "ROOT_ACCESS_KEY_ID=" + testAccessKey, "ROOT_SECRET_ACCESS_KEY=" + testSecretKey}
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			return "", fmt.Errorf("versitygw exited (%v):\n%s", err, out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return "", fmt.Errorf("versitygw not listening on %s after 30s:\n%s", addr, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() {
		// Killed, not interrupted: a graceful shutdown waits out the clients'
		// idle keep-alive connections, and this throwaway server has nothing
		// to save.
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("versitygw output:\n%s", out.String())
		}
	})
	return addr, nil
}

// newStore creates a new bucket and opens a store on it through an s3:// URL,
// as Portico would.
func (gw *versityGW) newStore(t *testing.T) (Store, func() []string) {
	t.Helper()
	bucket := gw.createBucket(t)
	s := MustOpen(t, gw.url(bucket, testSecretKey))
	return s, func() []string { return gw.leftovers(t, bucket) }
}

// createBucket creates a new, empty bucket and returns its name.
func (gw *versityGW) createBucket(t *testing.T) string {
	t.Helper()
	bucket := fmt.Sprintf("case-%d", gw.buckets.Add(1))
	if _, err := gw.client.CreateBucket(testContext(t), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket(%s): %v", bucket, err)
	}
	return bucket
}

// url is the location of bucket for Open, with the given secret key.
func (gw *versityGW) url(bucket, secretKey string) string {
	q := url.Values{
		"endpoint":       {gw.endpoint},
		"region":         {testRegion},
		"use_path_style": {"true"},
		"access_key":     {testAccessKey},
		"secret_key":     {secretKey},
	}
	return "s3://" + bucket + "?" + q.Encode()
}

// leftovers lists the objects and the unfinished multipart uploads in bucket.
func (gw *versityGW) leftovers(t *testing.T, bucket string) []string {
	t.Helper()
	ctx := testContext(t)
	var got []string
	objs, err := gw.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("ListObjectsV2(%s): %v", bucket, err)
	}
	for _, o := range objs.Contents {
		got = append(got, aws.ToString(o.Key))
	}
	ups, err := gw.client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("ListMultipartUploads(%s): %v", bucket, err)
	}
	for _, u := range ups.Uploads {
		got = append(got, "unfinished upload of "+aws.ToString(u.Key))
	}
	return got
}

// TestOpenS3 covers what Open checks against a real S3 server.
func TestOpenS3(t *testing.T) {
	gw := startVersityGW(t)
	t.Run("ErrNoBucket", func(t *testing.T) {
		_, err := Open(testContext(t), gw.url("no-such-bucket", testSecretKey))
		if err == nil {
			t.Fatal("Open of a missing bucket: nil error")
		}
		if strings.Contains(err.Error(), testSecretKey) {
			t.Errorf("error shows the secret: %v", err)
		}
	})
	t.Run("ErrWrongSecret", func(t *testing.T) {
		const wrong = "WRONG-SECRET"
		_, err := Open(testContext(t), gw.url(gw.createBucket(t), wrong))
		if err == nil {
			t.Fatal("Open with a wrong secret: nil error")
		}
		if strings.Contains(err.Error(), wrong) {
			t.Errorf("error shows the secret: %v", err)
		}
	})
}

// lockedBuffer is a bytes.Buffer safe for the gateway's output and the test to share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
