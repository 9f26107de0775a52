package azurebatch

import (
	"math"
	"testing"
)

func TestParseAndFormatDuration(t *testing.T) {
	cases := []struct {
		in, canonical string
	}{
		{"PT1H", "PT1H"},
		{"PT24H", "P1D"},
		{"PT90M", "PT1H30M"},
		{"P1DT12H", "P1DT12H"},
		{"P2W", "P14D"},
		{"PT0S", "PT0S"},
		{"P0D", "PT0S"},
		{"PT1.5S", "PT1.5S"},
		{UnlimitedDuration, UnlimitedDuration},
	}
	for _, tc := range cases {
		ticks, err := ParseDuration(tc.in)
		if err != nil {
			t.Fatalf("ParseDuration(%q): %v", tc.in, err)
		}
		if got := FormatDuration(ticks); got != tc.canonical {
			t.Errorf("FormatDuration(ParseDuration(%q)) = %q, want %q", tc.in, got, tc.canonical)
		}
	}
	if ticks, _ := ParseDuration(UnlimitedDuration); ticks != math.MaxInt64 {
		t.Errorf("the unlimited sentinel should be MaxInt64 ticks, got %d", ticks)
	}
}

func TestParseDurationRejects(t *testing.T) {
	for _, in := range []string{"", "P", "PT", "1h", "PT1H30", "P1Y", "P1M", "PT-1S", "P99999999999999D", "P10675199DT2H48M5.4775808S"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) should fail", in)
		}
	}
	if !EqualDurations("PT24H", "P1D") || EqualDurations("PT1H", "PT2H") {
		t.Error("EqualDurations compares lengths")
	}
}
