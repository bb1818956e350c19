package inbound

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// crlf turns a message written with "\n" into one on the wire.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func TestParseMessage(t *testing.T) {
	for _, tt := range []struct {
		name, raw string
		want      parsed
	}{
		{
			name: "PlainNoContentType",
			raw:  "From: \"Ada\" <ada@example.com>\nMessage-ID: <1@x>\n\nHello.\n",
			want: parsed{from: "ada@example.com", messageID: "1@x", text: "Hello.\n"},
		},
		{
			name: "Base64Latin1",
			raw: "Content-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: base64\n\n" +
				"Q2Fm6SBhdCBub29uLgo=\n", // "Café at noon.\n" in Latin-1
			want: parsed{text: "Café at noon.\n"},
		},
		{
			name: "Windows1252",
			raw:  "Content-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\n=93Yes=94 =80 5\n",
			want: parsed{text: "\u201cYes\u201d € 5\n"},
		},
		{
			name: "UnknownCharsetInvalidUTF8",
			raw:  "Content-Type: text/plain; charset=x-unknown\nContent-Transfer-Encoding: quoted-printable\n\nok =FF\n",
			want: parsed{text: "ok \uFFFD\n"},
		},
		{
			name: "Flowed",
			raw: "Content-Type: text/plain; charset=utf-8; format=flowed\n\n" +
				"This is a long \nparagraph.\n Stuffed line\n\n> quoted \n> line\n",
			want: parsed{text: "This is a long paragraph.\nStuffed line\n"},
		},
		{
			name: "FlowedDelSp",
			raw:  "Content-Type: text/plain; format=flowed; delsp=yes\n\nJapa \nnese\n",
			want: parsed{text: "Japanese\n"},
		},
		{
			name: "PlainPreferredOverHTML",
			raw: "Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>html</p>\n" +
				"--b\nContent-Type: text/plain\n\nplain\n--b--\n",
			want: parsed{text: "plain\n"},
		},
		{
			name: "NestedWithAttachment",
			raw: "Content-Type: multipart/mixed; boundary=outer\n\n--outer\n" +
				"Content-Type: multipart/alternative; boundary=inner\n\n--inner\nContent-Type: text/html\n\n<p>Hi <b>all</b></p>\n--inner--\n" +
				"--outer\nContent-Type: text/plain\nContent-Disposition: attachment; filename=notes.txt\n\nnot the reply\n--outer--\n",
			want: parsed{text: "Hi all\n"},
		},
		{
			name: "AutoSubmitted",
			raw:  "Auto-Submitted: auto-generated\n\nAway.\n",
			want: parsed{automatic: true, text: "Away.\n"},
		},
		{
			name: "AutoSubmittedNo",
			raw:  "Auto-Submitted: no\n\nHere.\n",
			want: parsed{text: "Here.\n"},
		},
		{
			name: "PrecedenceBulk",
			raw:  "Precedence: bulk\n\nNews.\n",
			want: parsed{automatic: true, text: "News.\n"},
		},
		{
			name: "Report",
			raw:  "Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\nContent-Type: text/plain\n\nFailed.\n--r--\n",
			want: parsed{automatic: true, text: "Failed.\n"},
		},
		{
			name: "BadFromHeader",
			raw:  "From: not an address\n\nHi.\n",
			want: parsed{text: "Hi.\n"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMessage(crlf(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(parsed{})); diff != "" {
				t.Errorf("parseMessage (-want +got):\n%s", diff)
			}
		})
	}

	for name, raw := range map[string]string{
		"ErrNoHeader":      "no header here",
		"ErrNoTextPart":    "Content-Type: image/png\n\nPNG\n",
		"ErrBadBase64":     "Content-Transfer-Encoding: base64\n\n!!!!\n",
		"ErrBadMultipart":  "Content-Type: multipart/mixed; boundary=b\n\n--b\nbroken",
		"ErrBadMediaType":  "Content-Type: /\n\nx\n",
		"ErrDeepMultipart": deepMultipart(maxPartDepth + 1),
	} {
		t.Run(name, func(t *testing.T) {
			if got, err := parseMessage(crlf(raw)); err == nil {
				t.Errorf("parseMessage = %+v, want an error", got)
			}
		})
	}

	t.Run("OKDeepMultipart", func(t *testing.T) {
		got, err := parseMessage(crlf(deepMultipart(maxPartDepth)))
		if err != nil || got.text != "deep\n" {
			t.Errorf("parseMessage = %+v, %v", got, err)
		}
	})
}

// deepMultipart returns a message whose text/plain part is inside n
// nested multiparts.
func deepMultipart(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\n\ndeep\n")
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\n", i)
	}
	return b.String()
}
