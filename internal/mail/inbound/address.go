package inbound

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
)

// MinSecretLen is the shortest secret, in bytes, that ReplyAddress and
// ParseReplyAddress accept. Shorter keys would make the signature guessable.
const MinSecretLen = 32

const (
	localPrefix = "reply+"
	macBytes    = 16 // of the 32-byte HMAC-SHA256, enough against forgery
)

// macEncoding writes the signature in lower-case base32 without padding: 26
// characters, and immune to mail servers that change the case of the local part.
var macEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Errors that ParseReplyAddress wraps; test with errors.Is.
var (
	// ErrMalformedAddress means the address is not a Portico reply address.
	ErrMalformedAddress = errors.New("inbound: malformed reply address")
	// ErrForgedAddress means the address has the right form but its signature
	// does not match: altered, forged, or signed with another secret.
	ErrForgedAddress = errors.New("inbound: reply address signature does not match")
	// ErrShortSecret means the secret is shorter than MinSecretLen.
	ErrShortSecret = fmt.Errorf("inbound: secret shorter than %d bytes", MinSecretLen)
)

// ReplyAddress returns the address to which a user replies to a thread by mail:
//
//	reply+<threadID>.<userID>.<mac>@<domain>
//
// where mac is a truncated HMAC-SHA256 of "<threadID>.<userID>" under secret.
// Ids are UUID strings; they are written in lower case. The result is
// 106 characters before the @, more than RFC 5321's 64 but accepted by the
// common mail servers.
//
// ReplyAddress cannot fail, so it does not check its input: with a secret
// shorter than MinSecretLen or an id that is not a UUID, it returns an
// address that ParseReplyAddress (and so Listen) rejects.
func ReplyAddress(secret []byte, domain, threadID, userID string) string {
	threadID, userID = strings.ToLower(threadID), strings.ToLower(userID)
	return localPrefix + threadID + "." + userID + "." + sign(secret, threadID, userID) + "@" + domain
}

// ParseReplyAddress checks the signature of a reply address made by
// ReplyAddress and returns its ids, in lower case. It ignores the domain
// (the caller checks it) and the case of the address. Errors wrap
// ErrMalformedAddress, ErrForgedAddress or ErrShortSecret.
func ParseReplyAddress(secret []byte, addr string) (threadID, userID string, err error) {
	if len(secret) < MinSecretLen {
		return "", "", ErrShortSecret
	}
	malformed := func(why string) error { return fmt.Errorf("%w %q: %s", ErrMalformedAddress, addr, why) }

	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "", "", malformed("no @")
	}
	local := strings.ToLower(addr[:at])
	rest, ok := strings.CutPrefix(local, localPrefix)
	if !ok {
		return "", "", malformed("does not start with " + localPrefix)
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 {
		return "", "", malformed("want <thread>.<user>.<signature>")
	}
	threadID, userID, mac := parts[0], parts[1], parts[2]
	if !isUUID(threadID) || !isUUID(userID) {
		return "", "", malformed("ids must be UUIDs")
	}
	// Compare encoded strings, not decoded bytes: base32 decoding ignores
	// the last character's spare bits, so two spellings would pass.
	if !hmac.Equal([]byte(mac), []byte(sign(secret, threadID, userID))) {
		return "", "", fmt.Errorf("%w: %q", ErrForgedAddress, addr)
	}
	return threadID, userID, nil
}

// sign returns the encoded, truncated HMAC of the ids.
func sign(secret []byte, threadID, userID string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(threadID + "." + userID))
	return strings.ToLower(macEncoding.EncodeToString(h.Sum(nil)[:macBytes]))
}

// isUUID reports whether s is a UUID in its canonical 8-4-4-4-12 form, in
// lower case.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
