package azurebatch

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Durations are .NET TimeSpans on the service side: a count of 100 ns ticks
// that fits an int64. The emulator parses ISO 8601 durations of the form
// PnDTnHnMnS (fractions allowed on the seconds only, at most 7 digits used)
// and writes them back the way .NET's XmlConvert.ToString(TimeSpan) does, so
// "PT24H" comes back as "P1D", "PT90M" as "PT1H30M" and "P0D" as "PT0S".
// [I] Whether the real service normalises is not confirmed; clients must
// compare durations semantically either way.

const (
	ticksPerSecond = 10_000_000
	ticksPerMinute = 60 * ticksPerSecond
	ticksPerHour   = 60 * ticksPerMinute
	ticksPerDay    = 24 * ticksPerHour

	// MaxDurationTicks is TimeSpan.MaxValue, the "unlimited" duration.
	MaxDurationTicks = math.MaxInt64
	// UnlimitedDuration is how the service writes TimeSpan.MaxValue.
	UnlimitedDuration = "P10675199DT2H48M5.4775807S"
)

// ParseDuration parses an ISO 8601 duration (PnDTnHnMnS; years, months and
// weeks are not accepted, nor are negative durations) into 100 ns ticks.
func ParseDuration(s string) (int64, error) {
	bad := func(reason string) (int64, error) {
		return 0, fmt.Errorf("%q is not a valid ISO 8601 duration (PnDTnHnMnS): %s", s, reason)
	}
	if !strings.HasPrefix(s, "P") {
		return bad("it must start with P")
	}
	rest := s[1:]
	if rest == "" {
		return bad("it has no components")
	}
	total := new(big.Int)
	inTime := false
	seen := ""
	found := false
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return bad("T appears twice")
			}
			inTime = true
			rest = rest[1:]
			if rest == "" {
				return bad("T must be followed by a time component")
			}
			continue
		}
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 || i == len(rest) {
			return bad("expected a number followed by a designator")
		}
		num, des := rest[:i], rest[i]
		rest = rest[i+1:]
		var unit int64
		order := ""
		switch {
		case !inTime && des == 'D':
			unit, order = ticksPerDay, "D"
		case inTime && des == 'H':
			unit, order = ticksPerHour, "H"
		case inTime && des == 'M':
			unit, order = ticksPerMinute, "M"
		case inTime && des == 'S':
			unit, order = ticksPerSecond, "S"
		default:
			return bad(fmt.Sprintf("unsupported designator %q", des))
		}
		if strings.Contains(seen, order) || (seen != "" && strings.Index("DHMS", order) <= strings.Index("DHMS", seen[len(seen)-1:])) {
			return bad("components out of order or repeated")
		}
		seen += order
		intPart, frac, hasFrac := strings.Cut(num, ".")
		if intPart == "" || strings.Contains(frac, ".") {
			return bad("malformed number")
		}
		if hasFrac && (order != "S" || frac == "") {
			return bad("fractions are allowed on seconds only")
		}
		n, ok := new(big.Int).SetString(intPart, 10)
		if !ok {
			return bad("malformed number")
		}
		total.Add(total, n.Mul(n, big.NewInt(unit)))
		if hasFrac {
			if len(frac) > 7 {
				frac = frac[:7]
			}
			frac += strings.Repeat("0", 7-len(frac))
			f, err := strconv.ParseInt(frac, 10, 64)
			if err != nil {
				return bad("malformed fraction")
			}
			total.Add(total, big.NewInt(f))
		}
		found = true
	}
	if !found {
		return bad("it has no components")
	}
	if !total.IsInt64() {
		return bad("it exceeds the maximum duration " + UnlimitedDuration)
	}
	return total.Int64(), nil
}

// FormatDuration writes ticks the way .NET XmlConvert.ToString(TimeSpan)
// does: days, hours, minutes and seconds with zero parts left out, a fraction
// of up to 7 digits without trailing zeros, and "PT0S" for zero.
func FormatDuration(ticks int64) string {
	if ticks == 0 {
		return "PT0S"
	}
	var b strings.Builder
	if ticks < 0 {
		b.WriteByte('-')
		ticks = -ticks // not reachable for parsed values; MinInt64 not supported
	}
	b.WriteByte('P')
	days := ticks / ticksPerDay
	ticks %= ticksPerDay
	hours := ticks / ticksPerHour
	ticks %= ticksPerHour
	minutes := ticks / ticksPerMinute
	ticks %= ticksPerMinute
	seconds := ticks / ticksPerSecond
	frac := ticks % ticksPerSecond
	if days != 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	if hours != 0 || minutes != 0 || seconds != 0 || frac != 0 {
		b.WriteByte('T')
		if hours != 0 {
			fmt.Fprintf(&b, "%dH", hours)
		}
		if minutes != 0 {
			fmt.Fprintf(&b, "%dM", minutes)
		}
		if seconds != 0 || frac != 0 {
			fmt.Fprintf(&b, "%d", seconds)
			if frac != 0 {
				b.WriteString(strings.TrimRight(fmt.Sprintf(".%07d", frac), "0"))
			}
			b.WriteByte('S')
		}
	}
	return b.String()
}

// NormalizeDuration parses an ISO 8601 duration and writes it in the
// service's normal form.
func NormalizeDuration(s string) (string, error) {
	t, err := ParseDuration(s)
	if err != nil {
		return "", err
	}
	return FormatDuration(t), nil
}

// ticksToDuration converts ticks to a time.Duration, saturating at the
// largest time.Duration.
func ticksToDuration(t int64) time.Duration {
	if t > math.MaxInt64/100 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(t * 100)
}
