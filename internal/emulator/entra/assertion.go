package entra

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is SHA-1 by definition (RFC 7515 §4.1.7)
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// assertionError is a refused client assertion with its AADSTS code.
type assertionError struct {
	code int
	msg  string
}

func refuse(code int, msg string) *assertionError { return &assertionError{code: code, msg: msg} }

// clockSkew is the leeway on nbf and exp, as Entra ID allows.
const clockSkew = 5 * time.Minute

type jwtHeader struct {
	Alg     string `json:"alg"`
	X5t     string `json:"x5t"`
	X5tS256 string `json:"x5t#S256"`
}

type jwtClaims struct {
	Iss string   `json:"iss"`
	Sub string   `json:"sub"`
	Aud audience `json:"aud"`
	Exp *int64   `json:"exp"`
	Nbf *int64   `json:"nbf"`
}

// audience is the aud claim, a string or an array of strings.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*a = many
	return nil
}

// checkAssertion verifies a client assertion for app and says which credential it is: a JWT
// the application signed with its registered certificate (client_certificate, audience the
// token endpoint or the tenant's authority) or a federated token signed by this emulator's
// issuer for one of the application's subjects (federated_token).
func (s *Service) checkAssertion(app App, assertion, authority string) (string, *assertionError) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return "", refuse(50027, "Invalid JWT token. The token is malformed.")
	}
	var h jwtHeader
	var c jwtClaims
	if decodePart(parts[0], &h) != nil || decodePart(parts[1], &c) != nil {
		return "", refuse(50027, "Invalid JWT token. The token is malformed.")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "", refuse(50027, "Invalid JWT token. The signature is not base64url.")
	}
	signed := []byte(parts[0] + "." + parts[1])
	now := s.now()
	if c.Exp == nil || now.After(time.Unix(*c.Exp, 0).Add(clockSkew)) || c.Nbf != nil && now.Add(clockSkew).Before(time.Unix(*c.Nbf, 0)) {
		return "", refuse(700024, "Client assertion is not within its valid time range.")
	}

	if c.Iss == s.Issuer() {
		if h.Alg != "EdDSA" || !ed25519.Verify(s.fedPublic, signed, sig) {
			return "", refuse(50013, "Assertion failed signature validation: the federated token was not signed by its issuer's key.")
		}
		if !slices.Contains(c.Aud, FederatedAudience) {
			return "", refuse(700212, "No matching federated identity record found for presented assertion audience '"+strings.Join(c.Aud, ",")+"'.")
		}
		if !slices.Contains(app.Subjects, c.Sub) {
			return "", refuse(700213, "No matching federated identity record found for presented assertion subject '"+c.Sub+"'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.")
		}
		return "federated_token", nil
	}

	if c.Iss != app.ClientID || c.Sub != app.ClientID {
		return "", refuse(700211, "No matching federated identity record found for presented assertion issuer '"+c.Iss+"'.")
	}
	if app.Certificate == nil {
		return "", refuse(700027, "The certificate with identifier used to sign the client assertion is not registered on application '"+app.ClientID+"'.")
	}
	der := app.Certificate.Raw
	sha1Sum, sha256Sum := sha1.Sum(der), sha256.Sum256(der) //nolint:gosec // see import
	if !thumbprintIs(h.X5tS256, sha256Sum[:]) && !thumbprintIs(h.X5t, sha1Sum[:]) {
		return "", refuse(700027, "The certificate with identifier used to sign the client assertion is not registered on application '"+app.ClientID+"'.")
	}
	if !slices.ContainsFunc(c.Aud, func(a string) bool {
		a = strings.TrimRight(a, "/")
		return a == authority+"/oauth2/v2.0/token" || a == authority+"/v2.0" || a == authority
	}) {
		return "", refuse(700025, "The client assertion's audience '"+strings.Join(c.Aud, ",")+"' is not this tenant's token endpoint.")
	}
	key, ok := app.Certificate.PublicKey.(*rsa.PublicKey)
	if !ok {
		return "", refuse(700027, "The registered certificate has no RSA key.")
	}
	digest := sha256.Sum256(signed)
	switch h.Alg {
	case "PS256":
		err = rsa.VerifyPSS(key, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	case "RS256":
		err = rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig)
	default:
		return "", refuse(5002738, "The client assertion's algorithm '"+h.Alg+"' is not supported.")
	}
	if err != nil {
		return "", refuse(50013, "Assertion failed signature validation: the client assertion was not signed by the registered certificate's key.")
	}
	return "client_certificate", nil
}

// thumbprintIs compares a JWT header thumbprint, which MSAL writes in standard base64 and RFC
// 7515 in base64url, with sum.
func thumbprintIs(header string, sum []byte) bool {
	return header != "" && (header == base64.StdEncoding.EncodeToString(sum) || header == base64.RawURLEncoding.EncodeToString(sum))
}

func decodePart(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(part, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
