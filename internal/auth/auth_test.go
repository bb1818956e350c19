package auth

import (
	"strings"
	"testing"
)

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("unexpected hash format %q", h)
	}
	if err := CheckPassword(h, "correct horse battery"); err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if err := CheckPassword(h, "correct horse batterz"); err != ErrMismatch {
		t.Fatalf("wrong password: got %v, want ErrMismatch", err)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	if err := CheckPassword("$bcrypt$x", "x"); err == nil {
		t.Fatal("a foreign hash format was accepted")
	}
}

func TestToken(t *testing.T) {
	a, b := NewToken(PrefixAPIToken), NewToken(PrefixAPIToken)
	if a == b || !strings.HasPrefix(a, "ptc_") || len(a) != 4+43 {
		t.Fatalf("bad tokens %q %q", a, b)
	}
	if HashToken(a) == HashToken(b) || len(HashToken(a)) != 64 || HashToken(a) != HashToken(a) {
		t.Fatal("token hashes are not a stable SHA-256 hex digest")
	}
}
