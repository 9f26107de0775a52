package azurebatch

import (
	"strings"
	"testing"
)

func TestRules(t *testing.T) {
	for _, c := range []struct {
		check     func(string) error
		good, bad []string
	}{
		{CheckID, []string{"job-1", "Task_2", strings.Repeat("a", 64)}, []string{"", "a b", "a/b", strings.Repeat("a", 65)}},
		{CheckFileMode, []string{"0755", "644", "0770"}, []string{"", "755x", "0999", "00755", "rwx"}},
	} {
		for _, s := range c.good {
			if err := c.check(s); err != nil {
				t.Errorf("%q: %v", s, err)
			}
		}
		for _, s := range c.bad {
			if err := c.check(s); err == nil {
				t.Errorf("%q: accepted", s)
			}
		}
	}
}
