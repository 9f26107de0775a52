package provider

import "strings"

// SDKLogLevels returns the variables that switch logging off when the environment sets no TF_LOG*
// variable. Without them the SDK logs every step at trace level, and the provider every request
// at debug level, to the plugin's stderr, where Terraform parses each line and discards it unless
// TF_LOG* asks for logs; the framework's trace logging alone is a large share of the provider's
// CPU for big resources, and a job set of 8000 jobs logs 8000 requests. With any TF_LOG* variable
// set, nothing changes. The command sets them before serving, and the tests, which serve the
// provider in their own process, too.
func SDKLogLevels(environ []string) map[string]string {
	for _, kv := range environ {
		if strings.HasPrefix(kv, "TF_LOG") {
			return nil
		}
	}
	return map[string]string{
		"TF_LOG_SDK":           "off",
		"TF_LOG_SDK_FRAMEWORK": "off",
		"TF_LOG_SDK_PROTO":     "off",
		"TF_LOG_PROVIDER":      "off",
	}
}
