package gantt

import (
	"strconv"
	"time"
)

// Dates are handled as day numbers (days since 1970-01-01) so that layout is integer
// arithmetic; the conversions are Howard Hinnant's civil-calendar algorithms.

// noDay marks a missing date.
const noDay = -1 << 62

// dayOf returns the day number of t's calendar date, or noDay for the zero time.
func dayOf(t time.Time) int {
	if t.IsZero() {
		return noDay
	}
	y, m, d := t.Date()
	return daysFromCivil(y, int(m), d)
}

// daysFromCivil returns the day number of y-m-d (proleptic Gregorian).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays returns the date of day number z.
func civilFromDays(z int) (y, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// timeOf returns day number z as UTC midnight.
func timeOf(z int) time.Time {
	y, m, d := civilFromDays(z)
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
}

// weekday returns the weekday of day number z (1970-01-01 was a Thursday).
func weekday(z int) time.Weekday { return time.Weekday(floorMod(z+4, 7)) }

// mondayOnOrBefore returns the Monday of z's week.
func mondayOnOrBefore(z int) int { return z - floorMod(z+3, 7) }

// firstOfMonth returns the first day of z's month, and firstOfNextMonth the first of the next.
func firstOfMonth(z int) int {
	y, m, _ := civilFromDays(z)
	return daysFromCivil(y, m, 1)
}

func firstOfNextMonth(z int) int {
	y, m, _ := civilFromDays(z)
	if m == 12 {
		return daysFromCivil(y+1, 1, 1)
	}
	return daysFromCivil(y, m+1, 1)
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }

var (
	monthShort = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	monthLong  = [...]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
	dayShort = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
)

// appendDate appends "3 Mar 2026", or "3 Mar" without the year.
func appendDate(b []byte, z int, withYear bool) []byte {
	y, m, d := civilFromDays(z)
	b = strconv.AppendInt(b, int64(d), 10)
	b = append(b, ' ')
	b = append(b, monthShort[m-1]...)
	if withYear {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(y), 10)
	}
	return b
}

// appendDateRange appends "3 Mar 2026" for one day, else "3 Mar – 14 Apr 2026" (the first year is
// only written when it differs: "28 Dec 2025 – 9 Jan 2026").
func appendDateRange(b []byte, from, to int) []byte {
	if from == to {
		return appendDate(b, from, true)
	}
	fy, _, _ := civilFromDays(from)
	ty, _, _ := civilFromDays(to)
	b = appendDate(b, from, fy != ty)
	b = append(b, " – "...)
	return appendDate(b, to, true)
}
