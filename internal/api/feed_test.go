package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/testutil"
)

type threadResp struct {
	Post struct {
		ID      string `json:"id"`
		Private bool   `json:"private"`
		Files   []struct {
			ID  string `json:"id"`
			URL string `json:"url"`
		} `json:"files"`
	} `json:"post"`
	Replies []struct {
		ID       string `json:"id"`
		Internal bool   `json:"internal"`
	} `json:"replies"`
}

func multipartBody(t *testing.T, fields map[string]string, fileName string, content []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if fileName != "" {
		fw, _ := w.CreateFormFile("file", fileName)
		fw.Write(content)
	}
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func doMultipart(t *testing.T, c *testutil.Client, srv *testutil.Server, path, ctype string, body []byte) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// The core promise of the feed: a private post to the provider team, its file and an internal
// reply never reach the client; adding the client as a recipient shows the thread but never
// the internal reply.
func TestFeedPrivacy(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			w := newProjectWorld(t, d)
			admin := w.srv.NewClient(t, w.acct.Admin.Token)
			base := "/api/v1/projects/" + w.projectID
			ctype, body := multipartBody(t, map[string]string{"body": "Our margin is thin here", "private": "true", "recipient_ids": w.lead.User.ID}, "costs.txt", []byte("internal cost sheet"))
			resp := doMultipart(t, admin, w.srv, base+"/posts/multipart", ctype, body)
			if resp.StatusCode != 201 {
				t.Fatalf("private post with file: %d %s", resp.StatusCode, readAll(resp))
			}
			var th threadResp
			(&testutil.Response{Response: resp, Body: readAll(resp)}).JSON(t, &th)
			if !th.Post.Private || len(th.Post.Files) != 1 {
				t.Fatalf("thread %+v", th)
			}
			fileURL := th.Post.Files[0].URL
			admin.Must(201, "POST", "/api/v1/posts/"+th.Post.ID+"/replies", map[string]any{"body": "keep this from Acme", "internal": true})
			admin.Must(201, "POST", base+"/posts", map[string]any{"body": "Kick-off on Monday", "private": false})
			// Let the fan-out of these posts finish before the client is added below: a fan-out that
			// ran after the add would rightly notify the client, who by then may read the thread.
			w.srv.WaitForJobs(t, 10*time.Second)

			// The client sees only the public post: not the private thread, its file or reply.
			var feed struct {
				Items []threadResp `json:"items"`
			}
			r := w.client.Must(200, "GET", base+"/posts", nil)
			r.JSON(t, &feed)
			// The public post and the system post announcing the client's arrival.
			if len(feed.Items) != 2 || strings.Contains(string(r.Body), "margin") || !strings.Contains(string(r.Body), "accepted the invitation") {
				t.Fatalf("client feed: %s", r.Body)
			}
			w.client.Must(404, "GET", "/api/v1/posts/"+th.Post.ID, nil)
			w.client.Must(404, "GET", fileURL, nil)
			if r := w.client.Must(200, "GET", base+"/files", nil); strings.Contains(string(r.Body), "costs.txt") {
				t.Fatalf("client Files tab lists the private file: %s", r.Body)
			}
			// The provider sees both threads, the file and the internal reply.
			admin.Must(200, "GET", base+"/posts", nil).JSON(t, &feed)
			if len(feed.Items) != 3 {
				t.Fatalf("provider feed has %d threads", len(feed.Items))
			}
			c := admin.Must(200, "GET", fileURL, nil)
			if string(c.Body) != "internal cost sheet" || c.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(c.Header.Get("Content-Disposition"), "costs.txt") {
				t.Fatalf("file content: %q %v", c.Body, c.Header)
			}
			// Adding the client: the whole thread, the file — but never the internal reply.
			admin.Must(200, "POST", "/api/v1/posts/"+th.Post.ID+"/recipients", map[string]any{"user_ids": []string{w.clientID}})
			var seen threadResp
			r = w.client.Must(200, "GET", "/api/v1/posts/"+th.Post.ID, nil)
			r.JSON(t, &seen)
			if len(seen.Replies) != 0 || strings.Contains(string(r.Body), "keep this from Acme") {
				t.Fatalf("the client sees the internal reply: %s", r.Body)
			}
			w.client.Must(200, "GET", fileURL, nil)
			// A client cannot write an internal reply.
			w.client.Must(403, "POST", "/api/v1/posts/"+th.Post.ID+"/replies", map[string]any{"body": "sneaky", "internal": true})
			// Notifications: the client was notified of the public post and of being added, never of
			// the internal reply.
			deadline := time.Now().Add(10 * time.Second)
			for {
				var ns struct {
					Items []struct {
						Kind    string `json:"kind"`
						Excerpt string `json:"excerpt"`
					} `json:"items"`
				}
				r := w.client.Must(200, "GET", "/api/v1/notifications", nil)
				r.JSON(t, &ns)
				if strings.Contains(string(r.Body), "keep this from Acme") {
					t.Fatalf("notification leaks the internal reply: %s", r.Body)
				}
				if len(ns.Items) >= 3 || time.Now().After(deadline) {
					if len(ns.Items) != 3 { // the system post, the public post, being added
						t.Fatalf("client notifications: %s", r.Body)
					}
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

func TestUploadLimits(t *testing.T) {
	w := newProjectWorld(t, "sqlite")
	w.srv.App.MaxUpload = 1024
	admin := w.srv.NewClient(t, w.acct.Admin.Token)
	base := "/api/v1/projects/" + w.projectID
	ctype, body := multipartBody(t, map[string]string{"body": "big"}, "big.bin", bytes.Repeat([]byte("x"), 4096))
	resp := doMultipart(t, admin, w.srv, base+"/files", ctype, body)
	if resp.StatusCode != 413 {
		t.Fatalf("oversized upload: %d", resp.StatusCode)
	}
	var files struct {
		Items []any `json:"items"`
	}
	admin.Must(200, "GET", base+"/files", nil).JSON(t, &files)
	if len(files.Items) != 0 {
		t.Fatalf("an oversized upload left a file: %+v", files)
	}
	admin.Must(422, "POST", base+"/posts", map[string]any{"body": "   "})
	admin.Must(422, "POST", base+"/posts", map[string]any{"body": "x", "private": true})
	admin.Must(422, "POST", base+"/posts", map[string]any{"body": "x", "private": true, "recipient_ids": []string{w.outsider.Admin.User.ID}})
}

func readAll(r *http.Response) []byte {
	defer r.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(r.Body)
	return b.Bytes()
}

func TestEditAndDeletePosts(t *testing.T) {
	w := newProjectWorld(t, "sqlite")
	admin := w.srv.NewClient(t, w.acct.Admin.Token)
	base := "/api/v1/projects/" + w.projectID
	var mine, theirs threadResp
	w.client.Must(201, "POST", base+"/posts", map[string]any{"body": "Client question", "private": false}).JSON(t, &mine)
	admin.Must(201, "POST", base+"/posts", map[string]any{"body": "Provider answer", "private": false}).JSON(t, &theirs)
	w.client.Must(200, "PATCH", "/api/v1/posts/"+mine.Post.ID, map[string]any{"body": "Client question, edited"})
	w.client.Must(403, "PATCH", "/api/v1/posts/"+theirs.Post.ID, map[string]any{"body": "hijacked"})
	admin.Must(403, "PATCH", "/api/v1/posts/"+mine.Post.ID, map[string]any{"body": "the PA edits only their own"})
	admin.Must(422, "PATCH", "/api/v1/posts/"+theirs.Post.ID, map[string]any{"body": "   "})
	w.client.Must(403, "DELETE", "/api/v1/posts/"+theirs.Post.ID, nil)
	admin.Must(204, "DELETE", "/api/v1/posts/"+mine.Post.ID, nil) // a provider PA deletes any post
	w.client.Must(404, "GET", "/api/v1/posts/"+mine.Post.ID, nil)
	if r := admin.Must(200, "GET", "/api/v1/posts/"+theirs.Post.ID, nil); !strings.Contains(string(r.Body), "Provider answer") {
		t.Fatalf("a refused edit changed the post: %s", r.Body)
	}
}
