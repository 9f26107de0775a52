package entra

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func newTestService(t *testing.T) (*Service, *httptest.Server) {
	t.Helper()
	s, err := New(Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.SetBaseURL(srv.URL)
	return s, srv
}

func postToken(t *testing.T, srv *httptest.Server, tenant string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(srv.URL+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestOpenIDConfiguration(t *testing.T) {
	_, srv := newTestService(t)
	resp, err := http.Get(srv.URL + "/" + DefaultTenantID + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&cfg)
	resp.Body.Close()
	if cfg["token_endpoint"] != srv.URL+"/"+DefaultTenantID+"/oauth2/v2.0/token" || cfg["issuer"] == nil || cfg["authorization_endpoint"] == nil {
		t.Errorf("openid configuration = %v", cfg)
	}
	resp, _ = http.Get(srv.URL + "/other-tenant/v2.0/.well-known/openid-configuration")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown tenant: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestTokenEndpoint(t *testing.T) {
	s, srv := newTestService(t)
	base := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}}
	with := func(kv ...string) url.Values {
		f := url.Values{}
		for k, v := range base {
			f[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	status, out := postToken(t, srv, DefaultTenantID, with("scope", "https://batch.chinacloudapi.cn//.default openid offline_access profile", "client_secret", DefaultSecret))
	if status != 200 || out["token_type"] != "Bearer" || out["access_token"] == "" {
		t.Fatalf("secret: %d %v", status, out)
	}
	g, ok := s.Lookup(out["access_token"].(string))
	if !ok || g.Audience != BatchResourceChina || g.Credential != "client_secret" {
		t.Errorf("grant = %+v, %v", g, ok)
	}
	if _, ok := s.Lookup("entra-emu-never-issued"); ok {
		t.Error("an unknown token must not be found")
	}

	fed := s.FederatedToken(DefaultSubject, time.Hour)
	status, out = postToken(t, srv, DefaultTenantID, with("scope", "https://batch.core.windows.net/.default",
		"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", fed))
	if status != 200 {
		t.Fatalf("federated: %d %v", status, out)
	}
	if g, _ := s.Lookup(out["access_token"].(string)); g.Audience != BatchResourcePublic || g.Credential != "federated_token" {
		t.Errorf("federated grant = %+v", g)
	}

	// A token signed by another key, though it claims the emulator's issuer.
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	parts := strings.Split(fed, ".")
	forged := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(otherKey, []byte(parts[0]+"."+parts[1])))

	for name, tc := range map[string]struct {
		tenant string
		form   url.Values
		status int
		code   string
	}{
		"wrong secret":   {DefaultTenantID, with("scope", "https://batch.core.windows.net//.default", "client_secret", "nope"), 401, "AADSTS7000215"},
		"unknown client": {DefaultTenantID, with("client_id", "x", "scope", "https://batch.core.windows.net//.default", "client_secret", DefaultSecret), 400, "AADSTS700016"},
		"unknown tenant": {"t2", with("scope", "https://batch.core.windows.net//.default", "client_secret", DefaultSecret), 400, "AADSTS90002"},
		"other resource": {DefaultTenantID, with("scope", "https://management.azure.com//.default", "client_secret", DefaultSecret), 400, "AADSTS1002012"},
		"no credential":  {DefaultTenantID, with("scope", "https://batch.core.windows.net//.default"), 401, "AADSTS7000218"},
		"password grant": {DefaultTenantID, with("grant_type", "password", "scope", "https://batch.core.windows.net//.default"), 400, "AADSTS70003"},
		"forged":         {DefaultTenantID, with("scope", "https://batch.core.windows.net//.default", "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", forged), 401, "AADSTS50013"},
		"other subject":  {DefaultTenantID, with("scope", "https://batch.core.windows.net//.default", "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", s.FederatedToken("repo:x/y:ref:refs/heads/main", time.Hour)), 401, "AADSTS700213"},
		"expired":        {DefaultTenantID, with("scope", "https://batch.core.windows.net//.default", "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", s.FederatedToken(DefaultSubject, -time.Hour)), 401, "AADSTS700024"},
		"not a JWT":      {DefaultTenantID, with("scope", "https://batch.core.windows.net//.default", "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", "abc"), 401, "AADSTS50027"},
		"no certificate": {DefaultTenantID, with("scope", "https://batch.core.windows.net//.default", "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", selfAssertion(DefaultClientID)), 401, "AADSTS700027"},
		"two resources":  {DefaultTenantID, with("scope", "https://batch.core.windows.net//.default https://batch.chinacloudapi.cn//.default", "client_secret", DefaultSecret), 400, "AADSTS1002012"},
	} {
		status, out := postToken(t, srv, tc.tenant, tc.form)
		if status != tc.status || !strings.HasPrefix(out["error_description"].(string), tc.code+":") {
			t.Errorf("%s: %d %v, want %d %s", name, status, out, tc.status, tc.code)
		}
	}
	if n := len(s.Grants()); n != 2 {
		t.Errorf("only the two good requests issue tokens, %d were issued", n)
	}
}

// selfAssertion is an unsigned-looking certificate assertion of the client (iss = sub).
func selfAssertion(client string) string {
	h, _ := json.Marshal(map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": "AAAA"})
	c, _ := json.Marshal(map[string]any{"iss": client, "sub": client, "aud": "x", "exp": time.Now().Add(time.Hour).Unix()})
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + ".c2ln"
}

func TestRedactBody(t *testing.T) {
	s, _ := New(Config{}, nil)
	got := string(s.RedactBody(nil, []byte("client_id=c&client_secret=s3cret&client_assertion=a.b.c&scope=x")))
	if strings.Contains(got, "s3cret") || strings.Contains(got, "a.b.c") || !strings.Contains(got, "client_id=c") {
		t.Errorf("RedactBody = %s", got)
	}
}
