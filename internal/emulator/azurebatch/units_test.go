package azurebatch

import (
	"testing"
	"time"
)

func TestDurations(t *testing.T) {
	for in, want := range map[string]string{
		"PT24H":                      "P1D",
		"PT90M":                      "PT1H30M",
		"P0D":                        "PT0S",
		"PT0S":                       "PT0S",
		"P1D":                        "P1D",
		"P7D":                        "P7D",
		"PT1H":                       "PT1H",
		"P2DT3H4M5S":                 "P2DT3H4M5S",
		"PT0.5S":                     "PT0.5S",
		"PT1.2500000S":               "PT1.25S",
		"PT3600S":                    "PT1H",
		"P1DT24H":                    "P2D",
		"PT0.123456789S":             "PT0.1234567S",
		"P10675199DT2H48M5.4775807S": "P10675199DT2H48M5.4775807S",
	} {
		got, err := NormalizeDuration(in)
		if err != nil || got != want {
			t.Errorf("NormalizeDuration(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "P", "PT", "1H", "PT1", "P1H", "PT1D", "P1Y", "P1M", "P1W", "-P1D", "PT1.5M", "PT1H1H", "PT1M1H", "P10675199DT2H48M5.4775808S", "P99999999999999999999D", "PT.5S"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	if v, _ := ParseDuration(UnlimitedDuration); v != MaxDurationTicks {
		t.Errorf("unlimited = %d", v)
	}
}

func TestRunPlan(t *testing.T) {
	cases := []struct {
		cmd  string
		run  time.Duration
		exit int32
	}{
		{"/bin/sh -c 'echo hi'", time.Second, 0},
		{"/bin/sh -c 'sleep 5'", 5 * time.Second, 0},
		{"/bin/sh -c 'sleep 1.5 && sleep 2; exit 3'", 3500 * time.Millisecond, 3},
		{"cmd /c exit 1 & exit 7", time.Second, 7},
		{"sleep 0", 0, 0},
		{"/bin/sh -c 'exit -2'", time.Second, -2},
		{"nosleep 4; myexit 3", time.Second, 0},
	}
	for _, c := range cases {
		run, exit := RunPlan(c.cmd)
		if run != c.run || exit != c.exit {
			t.Errorf("RunPlan(%q) = %v, %d; want %v, %d", c.cmd, run, exit, c.run, c.exit)
		}
	}
}

func TestFilterParser(t *testing.T) {
	task := map[string]any{
		"id": "render-01", "state": "completed", "displayName": "it's",
		"creationTime":  "2026-11-22T12:00:00.0000000Z",
		"executionInfo": map[string]any{"exitCode": float64(3), "result": "failure"},
	}
	for f, want := range map[string]bool{
		"state eq 'completed'":                                        true,
		"State EQ 'completed'":                                        true,
		"state ne 'completed'":                                        false,
		"startswith(id,'render')":                                     true,
		"startswith(id, 'x') eq false":                                true,
		"endswith(id,'01') and substringof('der', id)":                true,
		"executionInfo/exitCode gt 2 and executionInfo/exitCode le 3": true,
		"executionInfo/result eq 'success' or id eq 'render-01'":      true,
		"not (state eq 'completed')":                                  false,
		"displayName eq 'it''s'":                                      true,
		"creationTime ge datetime'2026-11-22T11:00:00Z'":              true,
		"creationTime lt datetime'2026-11-22T11:00:00'":               false,
		"nodeInfo eq null":                                            true,
		"nodeInfo/poolId eq 'p'":                                      false,
	} {
		e, err := parseFilter(f)
		if err != nil {
			t.Errorf("%q: %v", f, err)
			continue
		}
		if got := e.eval(task); got != want {
			t.Errorf("%q = %v, want %v", f, got, want)
		}
	}
	for _, bad := range []string{"state", "state eq", "state like 'x'", "(state eq 'a'", "foo(id,'x')", "state eq 'unterminated", "state eq 'a' extra"} {
		if _, err := parseFilter(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
