package inbound

import (
	"regexp"
	"strings"
)

// ReplyMarker is the line notification mails put above their content, in
// text and HTML, so that everything from it down can be cut off a reply.
const ReplyMarker = "-- Reply above this line --"

// attributionLines match the line a mail client writes above a quoted
// original ("On Mon, 2 Mar 2026 at 10:00, Ada <ada@example.com> wrote:"),
// in a few languages. It carries a date; clients may wrap it, so newText
// also tries it joined with the next line.
var attributionLines = []*regexp.Regexp{
	regexp.MustCompile(`^On\s.*\swrote:$`),
	regexp.MustCompile(`^Am\s.*\sschrieb.*:$`),
	regexp.MustCompile(`^Le\s.*\sa écrit\s?:$`),
	regexp.MustCompile(`^El\s.*\sescribió:$`),
	regexp.MustCompile(`^Op\s.*\sschreef.*:$`),
	regexp.MustCompile(`^Il\s.*\sha scritto:$`),
	regexp.MustCompile(`^Em\s.*\sescreveu:$`),
}

var (
	originalMessage = regexp.MustCompile(`(?i)^-{2,}\s*original message\s*-{2,}$`)
	underscores     = regexp.MustCompile(`^_{10,}$`)
	outlookHeader   = regexp.MustCompile(`^\*?(From|Sent|Date|To|Subject):\*?\s`)
	outlookFrom     = regexp.MustCompile(`^\*?From:\*?\s`)
	outlookSent     = regexp.MustCompile(`^\*?(Sent|Date):\*?\s`)
	// Mobile clients' default signatures, which come without "-- ".
	deviceSignature = regexp.MustCompile(`^(Sent from my |Sent from Outlook for |Get Outlook for )`)
)

// newText returns the text a person wrote above the quoted original in a
// reply body (lines ending in "\n"): everything before the first quote
// start, without a signature, with trailing spaces and surrounding blank
// lines removed. It returns "" when nothing is left.
func newText(body string) string {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " \t\r\u00a0")
	}
	for i := range lines {
		if quoteStarts(lines, i) {
			lines = lines[:i]
			break
		}
	}
	for i, l := range lines {
		if l == "--" || l == "-- " { // trailing space already trimmed
			lines = lines[:i]
			break
		}
	}
	lines = trimBlank(lines)
	if n := len(lines); n > 0 && deviceSignature.MatchString(strings.TrimSpace(lines[n-1])) {
		lines = trimBlank(lines[:n-1])
	}
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// quoteStarts reports whether lines[i] is the first line of a quoted
// original, or of what a mail client puts above it.
func quoteStarts(lines []string, i int) bool {
	line := strings.TrimSpace(lines[i])
	switch {
	case line == cutLine, strings.Contains(line, ReplyMarker):
		return true
	case strings.HasPrefix(line, ">"):
		return true
	case originalMessage.MatchString(line):
		return true
	case underscores.MatchString(line):
		// Outlook: a rule, then the original's headers.
		next := nextNonBlank(lines, i+1)
		return next >= 0 && outlookHeader.MatchString(strings.TrimSpace(lines[next]))
	case outlookFrom.MatchString(line):
		// Outlook without a rule: "From: …" with "Sent: …" or "Date: …" below.
		for j := i + 1; j < min(i+4, len(lines)); j++ {
			if outlookSent.MatchString(strings.TrimSpace(lines[j])) {
				return true
			}
		}
		return false
	}
	next := ""
	if i+1 < len(lines) {
		next = strings.TrimSpace(lines[i+1])
	}
	for _, re := range attributionLines {
		if hasDigit(line) && re.MatchString(line) {
			return true
		}
		// A wrapped attribution, unless the next line is one by itself
		// ("On second thought, yes." above "On Mon, … wrote:").
		joined := line + " " + next
		if next != "" && !re.MatchString(next) && hasDigit(joined) && re.MatchString(joined) {
			return true
		}
	}
	return false
}

func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }

func nextNonBlank(lines []string, from int) int {
	for j := from; j < len(lines); j++ {
		if strings.TrimSpace(lines[j]) != "" {
			return j
		}
	}
	return -1
}

// trimBlank removes blank lines at both ends.
func trimBlank(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
