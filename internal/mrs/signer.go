package mrs

import (
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
)

// sdkSigner re-signs every attempt of a request with the SDK's own SDK-HMAC-SHA256 signer.
//
// Why: the SDK signs a request once, while building it (auth.BasicCredentials.
// ProcessAuthRequest → signer.Signer.Sign), before handing it to the HTTP round tripper. The
// transport's retries happen below that point, so without re-signing a retry would resend the
// first attempt's X-Sdk-Date and signature (API Gateway refuses dates more than 15 minutes
// old), and the transport's User-Agent change would not be covered. So the transport calls
// this signer for each attempt, just before sending it.
//
// How: the *http.Request is turned back into the SDK's request.DefaultHttpRequest (endpoint,
// method, path, query values as reflect.Value as the SDK stores them, every header the request
// carries, the body as a string) and signer.Sign, the very function the SDK uses, computes
// X-Sdk-Date and Authorization. Like the SDK, it signs every header the request carries except
// Content-Type and names with '_': in practice User-Agent, X-Project-Id, X-Sdk-Date and, with
// temporary credentials, X-Security-Token. X-Project-Id and X-Security-Token are (re)set here
// exactly as auth.BasicCredentials does, so they are always present and signed (X-Project-Id
// only once there is a project: not on the IAM look-up of the project itself). The clock is
// injected by writing X-Sdk-Date before signing: the SDK signer takes the date from that
// header when present (else time.Now()).
type sdkSigner struct {
	ak, sk, projectID, securityToken string
	now                              func() time.Time
}

func (s *sdkSigner) Sign(r *http.Request) error {
	r.Header.Del("Authorization")
	if s.projectID != "" {
		r.Header.Set("X-Project-Id", s.projectID)
	} else {
		r.Header.Del("X-Project-Id") // the IAM project look-up: the SDK sends none either
	}
	if s.securityToken != "" {
		r.Header.Set("X-Security-Token", s.securityToken)
	}
	r.Header.Set(signer.HeaderXDate, s.now().UTC().Format(signer.BasicDateFormat))

	body, err := peekBody(r)
	if err != nil {
		return err
	}
	b := request.NewHttpRequestBuilder().
		WithEndpoint(r.URL.Scheme + "://" + r.URL.Host).
		WithMethod(r.Method).
		WithPath(r.URL.Path)
	for key, values := range r.URL.Query() {
		// The SDK keeps query values as reflect.Value and skips anything else when signing.
		if len(values) == 1 {
			b.AddQueryParam(key, reflect.ValueOf(values[0]))
		} else {
			b.AddQueryParam(key, reflect.ValueOf(values))
		}
	}
	for key, values := range r.Header {
		b.AddHeaderParam(key, strings.Join(values, ","))
	}
	if len(body) > 0 {
		b.WithBody("", string(body))
	}
	sdkReq := b.Build()
	added, err := signer.Sign(sdkReq, s.ak, s.sk)
	if err != nil {
		return fmt.Errorf("SDK-HMAC-SHA256: %w", err)
	}
	// The signer may add a signed header of its own (X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD
	// for non-JSON bodies): send everything it signed.
	for key, value := range sdkReq.GetHeaderParams() {
		if r.Header.Get(key) == "" {
			r.Header.Set(key, value)
		}
	}
	for key, value := range added {
		r.Header.Set(key, value)
	}
	return nil
}

// peekBody returns the request body without consuming it.
func peekBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.GetBody != nil {
		rc, err := r.GetBody()
		if err != nil {
			return nil, fmt.Errorf("reading the request body to sign it: %w", err)
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	data, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading the request body to sign it: %w", err)
	}
	r.Body = io.NopCloser(strings.NewReader(string(data)))
	return data, nil
}
