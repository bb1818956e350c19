package inbound_test

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/mail/inbound"
)

var replyAddrPattern = regexp.MustCompile(`^reply\+[0-9a-f-]{36}\.[0-9a-f-]{36}\.[a-z2-7]{26}@reply\.portico\.test$`)

func TestReplyAddress(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		addr := inbound.ReplyAddress(testSecret, testDomain, threadID, userID)
		if !replyAddrPattern.MatchString(addr) {
			t.Fatalf("ReplyAddress = %q", addr)
		}
		if !strings.HasPrefix(addr, "reply+"+threadID+"."+userID+".") {
			t.Errorf("ReplyAddress = %q, want the ids in order", addr)
		}
		if again := inbound.ReplyAddress(testSecret, testDomain, threadID, userID); again != addr {
			t.Errorf("not deterministic: %q, then %q", addr, again)
		}
	})

	t.Run("OKUpperCaseIDs", func(t *testing.T) {
		upper := inbound.ReplyAddress(testSecret, testDomain, strings.ToUpper(threadID), strings.ToUpper(userID))
		if lower := inbound.ReplyAddress(testSecret, testDomain, threadID, userID); upper != lower {
			t.Errorf("ReplyAddress with upper-case ids = %q, want %q", upper, lower)
		}
	})
}

func TestParseReplyAddress(t *testing.T) {
	addr := inbound.ReplyAddress(testSecret, testDomain, threadID, userID)
	at := strings.IndexByte(addr, '@')
	mac := addr[at-26 : at]

	t.Run("OK", func(t *testing.T) {
		for _, a := range []string{
			addr,
			strings.ToLower(addr),
			strings.ToUpper(addr),           // a server that upper-cases
			"Reply+" + addr[len("reply+"):], // mixed case
			addr[:at] + "@Any.Other.Domain", // the domain is the caller's business
			inbound.ReplyAddress(testSecret, "", threadID, userID), // no domain at all
		} {
			gotThread, gotUser, err := inbound.ParseReplyAddress(testSecret, a)
			if err != nil {
				t.Errorf("ParseReplyAddress(%q): %v", a, err)
				continue
			}
			if gotThread != threadID || gotUser != userID {
				t.Errorf("ParseReplyAddress(%q) = %q, %q", a, gotThread, gotUser)
			}
		}
	})

	t.Run("ErrForged", func(t *testing.T) {
		other := func(c byte) string { // the base32 character with the last bit flipped
			const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
			return string(alphabet[strings.IndexByte(alphabet, c)^1])
		}
		for name, a := range map[string]string{
			"AlteredMACFirst": addr[:at-26] + other(mac[0]) + mac[1:] + addr[at:],
			// Base32 decoding of 16 bytes ignores the last character's
			// last bits: the comparison must be on the text.
			"AlteredMACLast": addr[:at-1] + other(mac[25]) + addr[at:],
			"AlteredThread":  strings.Replace(addr, threadID, threadID2, 1),
			"SwappedIDs":     "reply+" + userID + "." + threadID + "." + mac + addr[at:],
			"WrongSecret":    inbound.ReplyAddress(bytes.Repeat([]byte("x"), 32), testDomain, threadID, userID),
			"ShortSecret":    inbound.ReplyAddress([]byte("k"), testDomain, threadID, userID),
			"EmptyMAC":       "reply+" + threadID + "." + userID + "." + addr[at:],
			"TruncatedMAC":   addr[:at-1] + addr[at:],
			"LongerMAC":      addr[:at] + "a" + addr[at:],
		} {
			t.Run(name, func(t *testing.T) {
				_, _, err := inbound.ParseReplyAddress(testSecret, a)
				if !errors.Is(err, inbound.ErrForgedAddress) {
					t.Errorf("ParseReplyAddress(%q) err = %v, want ErrForgedAddress", a, err)
				}
			})
		}
	})

	t.Run("ErrMalformed", func(t *testing.T) {
		for name, a := range map[string]string{
			"Empty":        "",
			"NoAt":         addr[:at],
			"OtherUser":    "postmaster@" + testDomain,
			"NoPlus":       "reply" + addr[len("reply+"):],
			"Angle":        "<" + addr + ">",
			"TwoParts":     "reply+" + threadID + "." + mac + addr[at:],
			"FourParts":    "reply+" + threadID + "." + userID + ".x." + mac + addr[at:],
			"NotUUID":      "reply+" + "thread-1" + "." + userID + "." + mac + addr[at:],
			"UUIDNoDashes": "reply+" + strings.ReplaceAll(threadID, "-", "") + "." + userID + "." + mac + addr[at:],
			"NonHexUUID":   "reply+" + "g" + threadID[1:] + "." + userID + "." + mac + addr[at:],
			"Quoted":       `"` + addr[:at] + `"` + addr[at:],
		} {
			t.Run(name, func(t *testing.T) {
				_, _, err := inbound.ParseReplyAddress(testSecret, a)
				if !errors.Is(err, inbound.ErrMalformedAddress) {
					t.Errorf("ParseReplyAddress(%q) err = %v, want ErrMalformedAddress", a, err)
				}
			})
		}
	})

	t.Run("ErrShortSecret", func(t *testing.T) {
		short := []byte("k")
		a := inbound.ReplyAddress(short, testDomain, threadID, userID)
		if _, _, err := inbound.ParseReplyAddress(short, a); !errors.Is(err, inbound.ErrShortSecret) {
			t.Errorf("err = %v, want ErrShortSecret", err)
		}
		if _, _, err := inbound.ParseReplyAddress(nil, a); !errors.Is(err, inbound.ErrShortSecret) {
			t.Errorf("nil secret: err = %v, want ErrShortSecret", err)
		}
	})
}
