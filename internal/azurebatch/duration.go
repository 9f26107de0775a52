package azurebatch

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Durations on the wire are ISO 8601 as .NET writes a TimeSpan (XmlConvert), e.g. "PT1H30M",
// "P1D", and "P10675199DT2H48M5.4775807S" (TimeSpan.MaxValue) for "unlimited". They are kept
// as 100 ns ticks so that the unlimited sentinel, math.MaxInt64 ticks, fits exactly.

// UnlimitedDuration is the service's "no limit" value.
const UnlimitedDuration = "P10675199DT2H48M5.4775807S"

const (
	ticksPerSecond = int64(10_000_000)
	ticksPerMinute = 60 * ticksPerSecond
	ticksPerHour   = 60 * ticksPerMinute
	ticksPerDay    = 24 * ticksPerHour
)

var (
	durationPattern = regexp.MustCompile(`^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,7}))?S)?)?$`)
	yearsOrMonths   = regexp.MustCompile(`^P[^T]*[YM]`)
)

// ParseDuration returns the length of an ISO 8601 duration in 100 ns ticks. Years and months
// are refused: their length is not fixed.
func ParseDuration(s string) (int64, error) {
	if yearsOrMonths.MatchString(s) {
		return 0, fmt.Errorf("%q uses years or months, which have no fixed length; use days (e.g. P30D)", s)
	}
	m := durationPattern.FindStringSubmatch(s)
	if m == nil || s == "P" || strings.HasSuffix(s, "T") {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration such as PT30M, PT2H, P1D or P1DT12H", s)
	}
	var total int64
	add := func(field string, unit int64) error {
		if field == "" {
			return nil
		}
		n, err := strconv.ParseInt(field, 10, 64)
		if err != nil || n > math.MaxInt64/unit || total > math.MaxInt64-n*unit {
			return fmt.Errorf("%q is longer than the longest duration the service accepts (%s)", s, UnlimitedDuration)
		}
		total += n * unit
		return nil
	}
	for _, part := range []struct {
		field string
		unit  int64
	}{{m[1], 7 * ticksPerDay}, {m[2], ticksPerDay}, {m[3], ticksPerHour}, {m[4], ticksPerMinute}, {m[5], ticksPerSecond}} {
		if err := add(part.field, part.unit); err != nil {
			return 0, err
		}
	}
	if m[6] != "" {
		frac, _ := strconv.ParseInt((m[6] + "000000")[:7], 10, 64)
		if total > math.MaxInt64-frac {
			return 0, fmt.Errorf("%q is longer than the longest duration the service accepts (%s)", s, UnlimitedDuration)
		}
		total += frac
	}
	return total, nil
}

// FormatDuration writes ticks the way the service does (e.g. 36000000000 → "PT1H").
func FormatDuration(ticks int64) string {
	if ticks <= 0 {
		return "PT0S"
	}
	days := ticks / ticksPerDay
	ticks %= ticksPerDay
	hours := ticks / ticksPerHour
	ticks %= ticksPerHour
	minutes := ticks / ticksPerMinute
	ticks %= ticksPerMinute
	seconds := ticks / ticksPerSecond
	frac := ticks % ticksPerSecond

	var b strings.Builder
	b.WriteString("P")
	if days > 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	if hours > 0 || minutes > 0 || seconds > 0 || frac > 0 {
		b.WriteString("T")
		if hours > 0 {
			fmt.Fprintf(&b, "%dH", hours)
		}
		if minutes > 0 {
			fmt.Fprintf(&b, "%dM", minutes)
		}
		if seconds > 0 || frac > 0 {
			fmt.Fprintf(&b, "%d", seconds)
			if frac > 0 {
				b.WriteString("." + strings.TrimRight(fmt.Sprintf("%07d", frac), "0"))
			}
			b.WriteString("S")
		}
	}
	return b.String()
}

// EqualDurations reports whether two duration strings have the same length.
func EqualDurations(a, b string) bool {
	ta, errA := ParseDuration(a)
	tb, errB := ParseDuration(b)
	return errA == nil && errB == nil && ta == tb
}
