package azurebatch

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// batchError is the service's error body.
type batchError struct {
	Code    string `json:"code"`
	Message struct {
		Value string `json:"value"`
	} `json:"message"`
	Values []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"values"`
}

// asError turns azcore's ResponseError into *Error; other errors pass through.
func asError(err error) error {
	var respErr *azcore.ResponseError
	if !errors.As(err, &respErr) {
		return err
	}
	e := &Error{StatusCode: respErr.StatusCode, Code: respErr.ErrorCode}
	if resp := respErr.RawResponse; resp != nil {
		e.RequestID = resp.Header.Get("request-id")
		if body, readErr := runtime.Payload(resp); readErr == nil && len(body) > 0 {
			var be batchError
			if json.Unmarshal(body, &be) == nil {
				if be.Code != "" {
					e.Code = be.Code
				}
				// The message embeds "\nRequestId:…\nTime:…"; the request id is kept separately.
				e.Message, _, _ = strings.Cut(be.Message.Value, "\n")
				for _, v := range be.Values {
					if e.Values == nil {
						e.Values = map[string]string{}
					}
					e.Values[v.Key] = v.Value
				}
			}
		}
	}
	return e
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
