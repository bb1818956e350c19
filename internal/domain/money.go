package domain

import (
	"fmt"
	"strconv"
	"strings"
)

// FormatMinor renders minor units as a decimal with two places ("1234.50"); money is integer
// minor units everywhere, and this is only for display and form fields.
func FormatMinor(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

// FormatMoney renders an amount with its currency ("EUR 1234.50").
func FormatMoney(minor int64, currency string) string { return currency + " " + FormatMinor(minor) }

// ParseMinor reads a decimal amount with at most two places ("120", "120.5", "120.50") into
// minor units, exactly, without floating point.
func ParseMinor(s string) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (hasFrac && frac == "") || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return 0, fmt.Errorf("not an amount with at most two decimals: %q", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1e12 {
		return 0, fmt.Errorf("not an amount: %q", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not an amount: %q", s)
	}
	return w*100 + f, nil
}
