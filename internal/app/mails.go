package app

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	textTemplate "text/template"

	"github.com/portico-dev/portico/internal/store"
)

// A mail is written once as data and rendered to text and HTML, both carrying the link.
type mailContent struct {
	Greeting  string
	Paragraph string
	Action    string
	Link      string
	Footer    string
	Brand     string
}

var mailHTML = template.Must(template.New("mail").Parse(`<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1f2328;max-width:560px;margin:24px auto">
<p style="font-weight:600;color:{{.Brand}}">Portico</p>
<p>{{.Greeting}}</p><p>{{.Paragraph}}</p>
<p><a href="{{.Link}}" style="display:inline-block;background:{{.Brand}};color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">{{.Action}}</a></p>
<p style="font-size:13px;color:#57606a">Or open this link: {{.Link}}</p>
<p style="font-size:13px;color:#57606a">{{.Footer}}</p></body></html>`))

var mailText = textTemplate.Must(textTemplate.New("mail").Parse(`{{.Greeting}}

{{.Paragraph}}

{{.Action}}: {{.Link}}

{{.Footer}}
`))

func renderMail(accountID, to, subject string, c mailContent) (store.OutgoingMail, error) {
	if c.Brand == "" {
		c.Brand = "#4f46e5"
	}
	var h, t bytes.Buffer
	if err := mailHTML.Execute(&h, c); err != nil {
		return store.OutgoingMail{}, fmt.Errorf("app: render mail: %w", err)
	}
	if err := mailText.Execute(&t, c); err != nil {
		return store.OutgoingMail{}, fmt.Errorf("app: render mail: %w", err)
	}
	return store.OutgoingMail{AccountID: accountID, To: to, Subject: subject, Text: strings.TrimSpace(t.String()) + "\n", HTML: h.String()}, nil
}
