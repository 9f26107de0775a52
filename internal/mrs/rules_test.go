package mrs

import "testing"

func TestRules(t *testing.T) {
	for _, c := range []struct {
		check func(string) error
		good  []string
		bad   []string
	}{
		{CheckProjectID, []string{"0123456789abcdef0123456789abcdef", "A1"}, []string{"", "has-hyphen", "under_score"}},
		{CheckClusterID, []string{"cluster-1", "c_2"}, []string{"", "a b", "x/y"}},
		{CheckJobName, []string{"etl_daily-1"}, []string{"bad name!", string(make([]byte, 65))}},
		{CheckJobID, []string{"3f2b6c1e-9c43-4f1e-8e2a-0d7c5b9a1f00"}, []string{"", "under_score", "a/b"}},
		{CheckArgument, []string{"", "obs://bucket/in", "--conf=a,b", "a,", "-Dx=1 -Dy=2"},
			[]string{"x; rm -rf /", "a|b", "a&b", "a>b", "it's", "a<b", "$HOME", "hi!", `a\b`, `say "hi"`, "a, b"}},
		{CheckPropertyKey, []string{"fs.obs.endpoint", "spark.executor-memory"}, []string{"", "a b", "a=b", "a,b", "a`b", `a\b`}},
		{CheckPropertyValue, []string{"", "obs.cn-north-4.myhuaweicloud.com", "a=b, c"}, []string{"a>b", "a|b", "it's", "a!", `a\b`}},
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
