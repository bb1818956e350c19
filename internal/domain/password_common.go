package domain

import "strings"

// commonPasswords holds passwords that appear at the top of every breach list, and their
// obvious variants once lower-cased. The policy refuses them whatever their length.
var commonPasswords = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`
password password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword
123456 1234567 12345678 123456789 1234567890 12345678910 0123456789 987654321 9876543210
qwerty qwerty123 qwertyuiop qwerty1234 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx3edc qazwsxedc zaq12wsx
abc123 abcd1234 abcdef123 iloveyou iloveyou1 sunshine princess football baseball basketball
welcome welcome1 welcome123 letmein letmein123 monkey dragon master shadow superman batman
trustno1 starwars whatever freedom michael jennifer charlie jordan23 liverpool chelsea arsenal
computer internet administrator admin123 admin1234 changeme changeme123 secret123 default123
portico portico123 password! password!1 passwordpassword aaaaaaaaaa 1111111111 0000000000
asdfghjkl asdfghjkl1 zxcvbnm zxcvbnm123 mustang access hello123 helloworld loveme lovely
summer2024 summer2025 summer2026 winter2024 winter2025 winter2026 spring2025 autumn2025
qwer1234 q1w2e3r4t5 a1b2c3d4e5 test12345 testtest test123456 guest12345 login12345
`) {
		commonPasswords[p] = true
	}
}

func isCommonPassword(pw string) bool {
	p := strings.ToLower(pw)
	if commonPasswords[p] {
		return true
	}
	// One character repeated, or a run of consecutive digits, is as weak as any list entry.
	same := true
	for i := 1; i < len(p); i++ {
		if p[i] != p[0] {
			same = false
			break
		}
	}
	return same || strings.Contains("01234567890123456789", p)
}
