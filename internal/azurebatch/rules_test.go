package azurebatch

import (
	"strings"
	"testing"
)

func TestRules(t *testing.T) {
	cases := []struct {
		check func(string) error
		in    string
		ok    bool
	}{
		{CheckID, "job-1", true},
		{CheckID, "Task_2", true},
		{CheckID, strings.Repeat("a", 64), true},
		{CheckID, "", false},
		{CheckID, "a b", false},
		{CheckID, "a/b", false},
		{CheckID, strings.Repeat("a", 65), false},
		{CheckFileMode, "0755", true},
		{CheckFileMode, "644", true},
		{CheckFileMode, "", false},
		{CheckFileMode, "755x", false},
		{CheckFileMode, "0999", false},
		{CheckFileMode, "00755", false},
	}
	for _, c := range cases {
		if err := c.check(c.in); (err == nil) != c.ok {
			t.Errorf("%q: error %v, want accepted = %v", c.in, err, c.ok)
		}
	}
}
