package provider

import (
	"reflect"
	"testing"
)

func TestSDKLogLevels(t *testing.T) {
	off := map[string]string{"TF_LOG_SDK": "off", "TF_LOG_SDK_FRAMEWORK": "off", "TF_LOG_SDK_PROTO": "off", "TF_LOG_PROVIDER": "off"}
	cases := map[string]struct {
		environ []string
		want    map[string]string
	}{
		"clean shell":             {[]string{"HOME=/home/u", "PATH=/bin"}, off},
		"other providers' vars":   {[]string{"AWS_PROFILE=x", "TF_CLI_CONFIG_FILE=/x", "TF_IN_AUTOMATION=1"}, off},
		"TF_LOG":                  {[]string{"TF_LOG=debug"}, nil},
		"TF_LOG empty":            {[]string{"TF_LOG="}, nil},
		"TF_LOG_PROVIDER only":    {[]string{"PATH=/bin", "TF_LOG_PROVIDER=INFO"}, nil},
		"TF_LOG_SDK_FRAMEWORK":    {[]string{"TF_LOG_SDK_FRAMEWORK=trace"}, nil},
		"TF_LOG_PATH only":        {[]string{"TF_LOG_PATH=/tmp/tf.log"}, nil},
		"name merely contains it": {[]string{"MY_TF_LOG=debug"}, off},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if got := SDKLogLevels(c.environ); !reflect.DeepEqual(got, c.want) {
				t.Errorf("SDKLogLevels(%q) = %v, want %v", c.environ, got, c.want)
			}
		})
	}
}
