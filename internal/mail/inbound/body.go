package inbound

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// maxPartDepth bounds the nesting of multipart bodies.
const maxPartDepth = 10

// parsed is what Listen needs from a received message.
type parsed struct {
	from      string // address in the From header, "" if unusable
	messageID string
	automatic bool   // an auto-reply, bounce or list mail
	text      string // the new text of the reply, "" if there is none
}

// parseMessage reads a raw message and extracts its reply text.
func parseMessage(data []byte) (parsed, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return parsed{}, fmt.Errorf("header: %w", err)
	}
	p := parsed{
		messageID: strings.Trim(strings.TrimSpace(msg.Header.Get("Message-Id")), "<>"),
		automatic: isAutomatic(msg.Header),
	}
	if a, err := mail.ParseAddress(msg.Header.Get("From")); err == nil {
		p.from = a.Address
	}
	var b bodies
	if err := b.walk(textproto.MIMEHeader(msg.Header), msg.Body, 0); err != nil {
		return parsed{}, err
	}
	switch {
	case b.plain != nil:
		p.text = newText(b.plain.text())
	case b.html != nil:
		p.text = newText(htmlToText(b.html.body))
	default:
		return parsed{}, errors.New("no text/plain or text/html part")
	}
	return p, nil
}

// isAutomatic reports whether a message was sent by a program rather than
// a person (RFC 3834 and common practice), so it must not become a post.
func isAutomatic(h mail.Header) bool {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && !strings.HasPrefix(v, "no") {
		return true
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "junk", "list", "auto_reply":
		return true
	}
	mediaType, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mediaType == "multipart/report" // delivery or read reports
}

// textPart is one decoded text body.
type textPart struct {
	body   string // UTF-8, line endings "\n"
	flowed bool   // format=flowed (RFC 3676)
	delSp  bool   // delsp=yes
}

// text returns the body with flowed lines joined.
func (p *textPart) text() string {
	if !p.flowed {
		return p.body
	}
	return unflow(p.body, p.delSp)
}

// bodies collects the first text/plain and text/html parts that are not
// attachments.
type bodies struct {
	plain, html *textPart
}

func (b *bodies) walk(h textproto.MIMEHeader, body io.Reader, depth int) error {
	mediaType, params := "text/plain", map[string]string{"charset": "us-ascii"}
	if ct := h.Get("Content-Type"); ct != "" {
		var err error
		mediaType, params, err = mime.ParseMediaType(ct)
		if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
			return fmt.Errorf("content-type %q: %w", ct, err)
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= maxPartDepth {
			return errors.New("multipart nested too deeply")
		}
		mr := multipart.NewReader(body, params["boundary"])
		for b.plain == nil {
			// NextRawPart leaves Content-Transfer-Encoding to us, so
			// top-level bodies and parts decode the same way.
			part, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := b.walk(part.Header, part, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if disp, _, _ := mime.ParseMediaType(h.Get("Content-Disposition")); disp == "attachment" {
		return nil
	}
	dst := &b.plain
	switch {
	case mediaType == "text/plain" && b.plain == nil:
	case mediaType == "text/html" && b.html == nil:
		dst = &b.html
	default:
		return nil
	}
	raw, err := io.ReadAll(transferDecoder(h.Get("Content-Transfer-Encoding"), body))
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	*dst = &textPart{
		body:   strings.ReplaceAll(decodeCharset(raw, params["charset"]), "\r\n", "\n"),
		flowed: strings.EqualFold(params["format"], "flowed"),
		delSp:  strings.EqualFold(params["delsp"], "yes"),
	}
	return nil
}

func transferDecoder(cte string, body io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		return quotedprintable.NewReader(body)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, body) // skips line breaks
	default: // 7bit, 8bit, binary
		return body
	}
}

// decodeCharset converts b from charset to UTF-8. Unknown charsets are read
// as UTF-8; invalid bytes become U+FFFD.
func decodeCharset(b []byte, charset string) string {
	charset = strings.ToLower(strings.TrimSpace(charset))
	if charset != "" && charset != "utf-8" && charset != "us-ascii" {
		if enc, err := htmlindex.Get(charset); err == nil {
			if out, err := enc.NewDecoder().Bytes(b); err == nil {
				b = out
			}
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// unflow joins the soft line breaks of a format=flowed body (RFC 3676):
// a line that ends in a space continues on the next one. Quoted lines are
// left alone; they are cut off anyway.
func unflow(body string, delSp bool) string {
	var out strings.Builder
	soft := false // the previous line ended in a soft break
	for line := range strings.Lines(body) {
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, ">") || line == "-- " {
			if soft {
				out.WriteByte('\n')
			}
			out.WriteString(line + "\n")
			soft = false
			continue
		}
		line = strings.TrimPrefix(line, " ") // space-stuffing
		soft = strings.HasSuffix(line, " ")
		if soft && delSp {
			line = line[:len(line)-1]
		}
		out.WriteString(line)
		if !soft {
			out.WriteByte('\n')
		}
	}
	return out.String()
}
