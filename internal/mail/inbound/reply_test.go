package inbound

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewText(t *testing.T) {
	for _, tt := range []struct {
		name, body, want string
	}{
		{"Plain", "Hello.\n", "Hello.\n"},
		{"CRLFAndTrailingSpaces", "\r\n\r\nHello.  \r\nBye\t\r\n\r\n", "Hello.\nBye\n"},
		{"KeepsInnerBlankLines", "One.\n\n\nTwo.\n", "One.\n\n\nTwo.\n"},
		{"Gmail", "Yes.\n\nOn Mon, 2 Mar 2026 at 10:00, Portico <reply+x@p.test> wrote:\n> Hi\n", "Yes.\n"},
		{"GmailWrapped", "Yes.\n\nOn Mon, Mar 2, 2026 at 10:00 AM Portico <\nreply+x@p.test> wrote:\n\n> Hi\n", "Yes.\n"},
		{"German", "Ja.\n\nAm 02.03.2026 um 10:00 schrieb Portico <r@p.test>:\n> Hi\n", "Ja.\n"},
		{"French", "Oui.\n\nLe lun. 2 mars 2026 à 10:00, Portico <r@p.test> a écrit :\n> Hi\n", "Oui.\n"},
		{"Marker", "Yes.\n\n-- Reply above this line --\n\nGrace posted:\n", "Yes.\n"},
		{"QuotedMarker", "Yes.\n>> -- Reply above this line --\n", "Yes.\n"},
		{"QuoteBlock", "Yes.\n> Hi\n> there\n", "Yes.\n"},
		{"OriginalMessage", "Yes.\n\n-----Original Message-----\nFrom: Portico\n", "Yes.\n"},
		{"OriginalMessageSpaced", "Yes.\n----- Original Message -----\nFrom: Portico\n", "Yes.\n"},
		{"Outlook", "Yes.\n\n________________________________\nFrom: Portico <r@p.test>\nSent: Monday\n", "Yes.\n"},
		{"OutlookNoRule", "Yes.\n\nFrom: Portico <r@p.test>\nSent: Monday, March 2, 2026 10:00\nTo: Ada\n", "Yes.\n"},
		{"OutlookBold", "Yes.\n\n*From:* Portico <r@p.test>\n*Sent:* Monday\n", "Yes.\n"},
		{"Signature", "Yes.\n\n-- \nAda Lovelace\nAnalytical Engines\n", "Yes.\n"},
		{"SignatureWithoutSpace", "Yes.\n--\nAda\n", "Yes.\n"},
		{"DeviceSignature", "Yes.\n\nSent from my iPhone\n\nOn Mon, 2 Mar 2026, Portico wrote:\n> x\n", "Yes.\n"},
		{"SignatureThenQuote", "Yes.\n-- \nAda\n\nOn Mon, 2 Mar 2026, Portico wrote:\n", "Yes.\n"},
		{"OnInText", "On second thought, no.\nOn Mon, 2 Mar 2026, Portico wrote:\n> x\n", "On second thought, no.\n"},
		{"WroteWithoutDate", "On reflection, as Bob wrote:\nit works.\n", "On reflection, as Bob wrote:\nit works.\n"},
		{"FromInText", "From: the team\nThanks!\n", "From: the team\nThanks!\n"},
		{"RuleInText", "Part one\n__________\nPart two\n", "Part one\n__________\nPart two\n"},
		{"DashesInText", "a -- b\n", "a -- b\n"},
		{"EmptyOnlyQuote", "\n\nOn Mon, 2 Mar 2026 at 10:00, Portico wrote:\n> Hi\n", ""},
		{"EmptyOnlySignature", "-- \nAda\n", ""},
		{"EmptyWhitespace", " \n\t\n", ""},
		{"EmptyBottomPosted", "> Hi\n\nMy answer below the quote.\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := newText(tt.body); got != tt.want {
				t.Errorf("newText(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	for _, tt := range []struct {
		name, html, want string
	}{
		{"Text", "Hello", "Hello\n"},
		{"Blocks", "<div>One</div><div>Two</div><p>Three</p>", "One\nTwo\nThree\n"},
		{"Br", "One<br>Two<br/><br />Three", "One\nTwo\n\nThree\n"},
		{"GmailBlankLine", "<div>One</div><div><br></div><div>Two</div>", "One\n\nTwo\n"},
		{"Whitespace", "  <p>  a \n  b\t c </p>  ", "a b c\n"},
		{"Inline", "<p>a <b>bold</b> <i>move</i></p>", "a bold move\n"},
		{"Entities", "<p>a&nbsp;&lt;&amp;&gt; &#233;&eacute; &quot;x&quot;</p>", "a <&> éé \"x\"\n"},
		{"Skipped", "<html><head><title>T</title><style>p{}</style></head><body><script>x<y</script>Hi</body></html>", "Hi\n"},
		{"UpperCase", "<DIV>One</DIV><SCRIPT>x</SCRIPT><BR>Two", "One\n\nTwo\n"},
		{"Comment", "a<!-- <p>hidden</p> -->b", "ab\n"},
		{"Doctype", "<!DOCTYPE html><p>x</p>", "x\n"},
		{"NotATag", "1 < 2 and 3<4 <3", "1 < 2 and 3<4 <3\n"},
		{"QuotedGreaterThan", `<a title="a>b" href='x>'>link</a>`, "link\n"},
		{"Pre", "<pre>  a\n  b</pre>", "  a\n  b\n"},
		{"Blockquote", "Yes<blockquote>Hi<br>there<blockquote>deep</blockquote></blockquote>", "Yes\n> Hi\n> there\n> > deep\n"},
		{"GmailQuote", `Yes<div class="gmail_quote"><div class="gmail_attr">On …</div></div>`, "Yes\n" + cutLine + "\nOn …\n"},
		{"OutlookQuote", `Yes<div id="divRplyFwdMsg" dir="ltr">From: x</div>`, "Yes\n" + cutLine + "\nFrom: x\n"},
		{"Unterminated", "a<p", "a\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, htmlToText(tt.html)); diff != "" {
				t.Errorf("htmlToText(%q) (-want +got):\n%s", tt.html, diff)
			}
		})
	}
}
