package inbound

import (
	"html"
	"strings"
	"unicode"
)

// cutLine is a line htmlToText writes where a mail client's wrapper around
// the quoted original begins; newText cuts there. It cannot occur in mail
// text: it holds a private-use character.
const cutLine = "\uE000cut"

// skipElements are elements whose content is not text.
var skipElements = map[string]bool{"head": true, "script": true, "style": true, "title": true, "template": true}

// blockElements start and end a line.
var blockElements = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true, "center": true, "dd": true,
	"div": true, "dl": true, "dt": true, "footer": true, "form": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "header": true, "hr": true, "li": true,
	"main": true, "ol": true, "p": true, "pre": true, "section": true, "table": true,
	"tr": true, "ul": true,
}

// quoteWrappers are attribute values that mail clients put on the element
// around a quoted original (or its "On … wrote:" line).
var quoteWrappers = []string{
	"gmail_quote",     // Gmail
	"divrplyfwdmsg",   // Outlook
	"appendonsend",    // Outlook
	"moz-cite-prefix", // Thunderbird
	"yahoo_quoted",    // Yahoo
}

// htmlToText renders an HTML body as plain text for newText: block
// elements become line breaks, blockquote content becomes "> " lines, and
// the wrapper of a quoted original becomes cutLine. It is no HTML parser,
// only good enough to find the text a person typed.
func htmlToText(src string) string {
	lower := asciiLower(src) // same byte offsets as src
	var w textWriter
	for i := 0; i < len(src); {
		lt := strings.IndexByte(src[i:], '<')
		if lt < 0 {
			w.text(src[i:])
			break
		}
		w.text(src[i : i+lt])
		i += lt
		if strings.HasPrefix(src[i:], "<!--") {
			end := strings.Index(src[i+4:], "-->")
			if end < 0 {
				break
			}
			i += 4 + end + 3
			continue
		}
		t, n := parseTag(lower[i:])
		if n == 0 {
			w.text("<")
			i++
			continue
		}
		i += n
		if !t.closing && skipElements[t.name] {
			end := strings.Index(lower[i:], "</"+t.name)
			if end < 0 {
				break
			}
			i += end
			continue
		}
		w.tag(t)
	}
	return w.String()
}

// tag is an HTML start or end tag; name and attrs are in lower case.
type tag struct {
	name    string
	closing bool
	attrs   string
}

// parseTag reads the tag at the start of s, which begins with '<', and
// returns it and its length; n is 0 if s does not start with a tag.
// Declarations and processing instructions come back with an empty name.
func parseTag(s string) (t tag, n int) {
	j := 1
	if j < len(s) && (s[j] == '!' || s[j] == '?') {
		end := strings.IndexByte(s, '>')
		if end < 0 {
			return tag{}, len(s)
		}
		return tag{}, end + 1
	}
	if j < len(s) && s[j] == '/' {
		t.closing = true
		j++
	}
	start := j
	if j == len(s) || s[j] < 'a' || s[j] > 'z' {
		return tag{}, 0 // "a < b", "<3"
	}
	for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= '0' && s[j] <= '9') {
		j++
	}
	if j < len(s) && !strings.ContainsRune(" \t\r\n\f/>", rune(s[j])) {
		return tag{}, 0
	}
	t.name = s[start:j]
	attrStart := j
	var quote byte
	for ; j < len(s); j++ {
		switch c := s[j]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			t.attrs = s[attrStart:j]
			return t, j + 1
		}
	}
	t.attrs = s[attrStart:]
	return t, len(s)
}

// textWriter assembles the lines of htmlToText.
type textWriter struct {
	out       strings.Builder
	line      strings.Builder
	quote     int // blockquote depth
	pre       int // pre depth: whitespace is kept
	lastSpace bool
}

func (w *textWriter) tag(t tag) {
	switch {
	case t.name == "br":
		w.endLine(true)
	case t.name == "pre":
		w.endLine(false)
		w.pre = max(0, w.pre+depthStep(t))
	case t.name == "blockquote":
		w.endLine(false)
		w.quote = max(0, w.quote+depthStep(t))
	case blockElements[t.name]:
		w.endLine(false)
	}
	if !t.closing && t.name != "" {
		for _, q := range quoteWrappers {
			if strings.Contains(t.attrs, q) {
				w.endLine(false)
				w.out.WriteString(cutLine + "\n")
				break
			}
		}
	}
}

func depthStep(t tag) int {
	if t.closing {
		return -1
	}
	return 1
}

// text writes character data, collapsing white space outside pre.
func (w *textWriter) text(s string) {
	s = html.UnescapeString(s)
	for _, r := range s {
		switch {
		case w.pre > 0 && r == '\n':
			w.endLine(true)
		case w.pre > 0:
			w.line.WriteRune(r)
		case unicode.IsSpace(r): // includes &nbsp;
			if !w.lastSpace && w.line.Len() > 0 {
				w.line.WriteByte(' ')
			}
			w.lastSpace = true
		default:
			w.line.WriteRune(r)
			w.lastSpace = false
		}
	}
}

// endLine ends the current line. A soft end (a block boundary) writes
// nothing when the line is empty; a hard one (br) writes an empty line.
func (w *textWriter) endLine(hard bool) {
	text := strings.TrimRightFunc(w.line.String(), unicode.IsSpace)
	w.line.Reset()
	w.lastSpace = false
	if text == "" && !hard {
		return
	}
	w.out.WriteString(strings.Repeat("> ", w.quote))
	w.out.WriteString(text)
	w.out.WriteByte('\n')
}

func (w *textWriter) String() string {
	w.endLine(false)
	return w.out.String()
}

// asciiLower lowers A-Z only, so offsets in the result match s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
