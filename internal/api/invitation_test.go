package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/mail/smtptest"
	"github.com/portico-dev/portico/internal/testutil"
)

var linkRE = regexp.MustCompile(`http://[^\s"<>]+/invitations/pti_[A-Za-z0-9_-]+`)

// An administrator invites by e-mail; the mail travels over real SMTP; its link is
// single-use and signs the invitee in.
func TestInvitationByMail(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			srv := testutil.StartServer(t, d)
			f := testutil.MustCreateAccount(t, srv.App, "Northwind")
			admin := srv.NewClient(t, f.Admin.Token)
			email := testutil.UniqueEmail("lee")
			admin.Must(http.StatusCreated, "POST", "/api/v1/accounts/"+f.Account.ID+"/members", map[string]string{"email": email, "level": "project_lead"})

			msg := srv.SMTP.WaitFor(t, func(m smtptest.Received) bool { return len(m.To) == 1 && m.To[0] == email }, 10*time.Second)
			link := linkRE.FindString(msg.Text)
			if link == "" || !strings.Contains(msg.Subject, "Northwind") {
				t.Fatalf("invitation mail lacks link or account: %q\n%s", msg.Subject, msg.Text)
			}
			token := link[strings.LastIndex(link, "/")+1:]

			invitee := srv.NewClient(t, "")
			var info struct {
				AccountName string `json:"account_name"`
				Level       string `json:"level"`
			}
			invitee.Must(http.StatusOK, "GET", "/api/v1/invitations/"+token, nil).JSON(t, &info)
			if info.AccountName != "Northwind" || info.Level != "project_lead" {
				t.Fatalf("invitation info %+v", info)
			}
			invitee.Must(http.StatusOK, "POST", "/api/v1/invitations/"+token+"/accept",
				map[string]string{"first_name": "Lee", "last_name": "Lead", "password": "a long enough password"})
			var me struct {
				User struct {
					Email string `json:"email"`
				} `json:"user"`
				Memberships []struct {
					Level string `json:"level"`
				} `json:"memberships"`
			}
			invitee.Must(http.StatusOK, "GET", "/api/v1/me", nil).JSON(t, &me)
			if me.User.Email != email || len(me.Memberships) != 1 || me.Memberships[0].Level != "project_lead" {
				t.Fatalf("after accepting: %+v", me)
			}
			// The link works once.
			again := srv.NewClient(t, "")
			r := again.Must(http.StatusGone, "POST", "/api/v1/invitations/"+token+"/accept",
				map[string]string{"first_name": "Eve", "last_name": "Evil", "password": "another long password"})
			if r.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("reused link: content type %q", r.Header.Get("Content-Type"))
			}
		})
	}
}
