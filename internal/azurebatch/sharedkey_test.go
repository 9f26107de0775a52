package azurebatch

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The worked examples of the project's signing test vectors.
func TestSharedKeySignerTestVectors(t *testing.T) {
	const (
		account = "examplebatch"
		key     = "ZXhhbXBsZS1iYXRjaC1hY2NvdW50LWtleS0zMmJ5dGU="
		base    = "https://examplebatch.westeurope.batch.azure.com"
	)
	date := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name, method, path string
		headers            map[string]string
		bodyLen            int
		wantStringToSign   string
		wantAuthorization  string
	}{
		{
			name: "get", method: "GET", path: "/jobs/job-1/tasks/task-1?api-version=2024-07-01.20.0",
			wantStringToSign:  "GET\n\n\n\n\n\n\n\n\n\n\n\nocp-date:Sun, 22 Nov 2026 12:00:00 GMT\n/examplebatch/jobs/job-1/tasks/task-1\napi-version:2024-07-01.20.0",
			wantAuthorization: "SharedKey examplebatch:kdQ+7G0lPKVmjcY3/dPhMUjmOF5F+c95tFoLMf7B1Lc=",
		},
		{
			name: "delete with timeout", method: "DELETE", path: "/jobs/job-1/tasks/task-1?api-version=2024-07-01.20.0&timeout=30",
			wantStringToSign:  "DELETE\n\n\n\n\n\n\n\n\n\n\n\nocp-date:Sun, 22 Nov 2026 12:00:00 GMT\n/examplebatch/jobs/job-1/tasks/task-1\napi-version:2024-07-01.20.0\ntimeout:30",
			wantAuthorization: "SharedKey examplebatch:buHSbwzdokrIPLTZO24YWw3CRbo0X+e+Pk3NKPU/n2A=",
		},
		{
			name: "post add task", method: "POST", path: "/jobs/job-1/tasks?api-version=2024-07-01.20.0",
			headers: map[string]string{"Content-Type": "application/json; odata=minimalmetadata"}, bodyLen: 57,
			wantStringToSign:  "POST\n\n\n57\n\napplication/json; odata=minimalmetadata\n\n\n\n\n\n\nocp-date:Sun, 22 Nov 2026 12:00:00 GMT\n/examplebatch/jobs/job-1/tasks\napi-version:2024-07-01.20.0",
			wantAuthorization: "SharedKey examplebatch:sbXPI25ojXuqJ8NCqowd9fGcSljE1I38VLdz2GJgNNE=",
		},
		{
			name: "put update with if-match", method: "PUT", path: "/jobs/job-1/tasks/task-1?api-version=2024-07-01.20.0",
			headers: map[string]string{"Content-Type": "application/json; odata=minimalmetadata", "If-Match": "0x8D4EDFEBFADF4AB"}, bodyLen: 42,
			wantStringToSign:  "PUT\n\n\n42\n\napplication/json; odata=minimalmetadata\n\n\n0x8D4EDFEBFADF4AB\n\n\n\nocp-date:Sun, 22 Nov 2026 12:00:00 GMT\n/examplebatch/jobs/job-1/tasks/task-1\napi-version:2024-07-01.20.0",
			wantAuthorization: "SharedKey examplebatch:+zRc/xCeAZs/QkDoVHzFJDF86AGG1Q3+NiEfcjp1lIA=",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body *strings.Reader
			req, err := http.NewRequest(tc.method, base+tc.path, nil)
			if tc.bodyLen > 0 {
				body = strings.NewReader(strings.Repeat("x", tc.bodyLen))
				req, err = http.NewRequest(tc.method, base+tc.path, body)
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			signer, err := NewSharedKeySigner(account, key)
			if err != nil {
				t.Fatal(err)
			}
			signer.now = func() time.Time { return date }
			if err := signer.Sign(req); err != nil {
				t.Fatal(err)
			}
			if got := StringToSign(req, account); got != tc.wantStringToSign {
				t.Errorf("string to sign:\n got %q\nwant %q", got, tc.wantStringToSign)
			}
			if got := req.Header.Get("Authorization"); got != tc.wantAuthorization {
				t.Errorf("Authorization = %q, want %q", got, tc.wantAuthorization)
			}
		})
	}
}

func TestNewSharedKeySignerRejectsBadKey(t *testing.T) {
	if _, err := NewSharedKeySigner("acct", "not base64!"); err == nil {
		t.Fatal("expected an error for a key that is not base64")
	}
}
