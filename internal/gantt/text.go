package gantt

import (
	"strings"
	"unicode/utf8"
)

// appendEscaped appends s escaped for XML text and attribute values: the five markup characters
// become references, and what XML cannot carry at all (control characters, invalid UTF-8,
// U+FFFE, U+FFFF) becomes U+FFFD. Plain text is copied in one append.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var rep string
		size := 1
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				rep = "&amp;"
			case c == '<':
				rep = "&lt;"
			case c == '>':
				rep = "&gt;"
			case c == '"':
				rep = "&#34;"
			case c == '\'':
				rep = "&#39;"
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
				rep = "\uFFFD"
			}
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
				rep = "\uFFFD"
			}
		}
		if rep != "" {
			b = append(b, s[last:i]...)
			b = append(b, rep...)
			last = i + size
		}
		i += size
	}
	return append(b, s[last:]...)
}

// safeURL reports whether u may be linked: relative URLs (no scheme) and http, https and mailto.
// URLs with control characters or spaces are refused outright, since browsers strip some of them
// before reading the scheme ("java\tscript:").
func safeURL(u string) bool {
	if u == "" {
		return false
	}
	for i := 0; i < len(u); i++ {
		if u[i] <= ' ' || u[i] == 0x7f {
			return false
		}
	}
	colon := strings.IndexByte(u, ':')
	if colon < 0 || strings.ContainsAny(u[:colon], "/?#") {
		return true // relative: the colon, if any, is not part of a scheme
	}
	switch strings.ToLower(u[:colon]) {
	case "http", "https", "mailto":
		return true
	}
	return false
}

// textWidth estimates the width of s in thousandths of an em for a proportional sans-serif
// face. It only decides where labels are cut and whether they fit, so rough is fine.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

// asciiWidth holds runeWidth for ASCII.
var asciiWidth = func() (w [utf8.RuneSelf]uint16) {
	for r := range w {
		w[r] = uint16(runeWidthSlow(rune(r)))
	}
	return w
}()

// runeWidth is a rune's width in thousandths of an em, on the wide side (DejaVu Sans, the
// usual Linux fallback) so that cut labels fit in narrower faces too.
func runeWidth(r rune) int {
	if r >= 0 && r < utf8.RuneSelf {
		return int(asciiWidth[r])
	}
	return runeWidthSlow(r)
}

func runeWidthSlow(r rune) int {
	switch {
	case r == 'i' || r == 'j' || r == 'l' || r == '.' || r == ',' || r == ':' || r == ';' ||
		r == '\'' || r == '|' || r == '!' || r == 'I':
		return 290
	case r == ' ':
		return 320
	case r == 'f' || r == 't' || r == 'r' || r == '(' || r == ')' || r == '[' || r == ']' || r == '-':
		return 400
	case r == 'm' || r == 'w' || r == 'M' || r == 'W':
		return 960
	case r >= 'A' && r <= 'Z':
		return 740
	case r < 0x80:
		return 630
	case r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) ||
		(r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) ||
		(r >= 0x1f300 && r <= 0x1faff) || r >= 0x20000):
		return 1000 // CJK, Hangul, full-width forms, emoji
	}
	return 700
}

// fit returns how many bytes of s fit in maxPx at size px: all of it, or a prefix (without
// trailing spaces) that leaves room for an ellipsis, in which case cut is set.
func fit(s string, size, maxPx int) (n int, cut bool) {
	limit := maxPx * 1000 / size
	if textWidth(s) <= limit {
		return len(s), false
	}
	limit -= 1000 // the ellipsis
	w := 0
	for i, r := range s {
		w += runeWidth(r)
		if w > limit {
			return len(strings.TrimRight(s[:i], " ")), true
		}
	}
	return len(s), false
}

// appendFitted appends s escaped and cut to maxPx at size px, and reports whether it was cut.
func appendFitted(b []byte, s string, size, maxPx int) ([]byte, bool) {
	n, cut := fit(s, size, maxPx)
	return appendCut(b, s, n, cut), cut
}

// appendCut appends s[:n] escaped, with an ellipsis when cut.
func appendCut(b []byte, s string, n int, cut bool) []byte {
	b = appendEscaped(b, s[:n])
	if cut {
		b = append(b, "…"...)
	}
	return b
}

// px converts a textWidth to pixels at size px.
func px(width, size int) int { return (width*size + 999) / 1000 }
