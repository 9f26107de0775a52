package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// certAuthority is the emulator's in-memory CA and the server certificate it
// signed.
type certAuthority struct {
	caPEM  []byte
	server tls.Certificate
}

// newCertAuthority generates an ECDSA P-256 CA and a server certificate for
// 127.0.0.1, ::1, localhost and the extra hosts (IPs or DNS names; "" is
// skipped), both valid for a day (from an hour ago, to tolerate clock skew).
func newCertAuthority(extraHosts ...string) (*certAuthority, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := certTemplate("batchops emulator CA", now)
	caTmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	caTmpl.BasicConstraintsValid = true
	caTmpl.IsCA = true
	caTmpl.MaxPathLenZero = true
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}

	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	srvTmpl := certTemplate("localhost", now)
	srvTmpl.KeyUsage = x509.KeyUsageDigitalSignature
	srvTmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	srvTmpl.DNSNames = []string{"localhost"}
	srvTmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	for _, extraHost := range extraHosts {
		if extraHost == "" || extraHost == "localhost" {
			continue
		}
		if ip := net.ParseIP(extraHost); ip != nil {
			if !ip.IsUnspecified() && !ip.Equal(net.ParseIP("127.0.0.1")) && !ip.Equal(net.ParseIP("::1")) {
				srvTmpl.IPAddresses = append(srvTmpl.IPAddresses, ip)
			}
		} else {
			srvTmpl.DNSNames = append(srvTmpl.DNSNames, extraHost)
		}
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create server certificate: %w", err)
	}
	return &certAuthority{
		caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		server: tls.Certificate{
			Certificate: [][]byte{srvDER, caDER},
			PrivateKey:  srvKey,
		},
	}, nil
}

// serverTLSConfig serves HTTP/1.1 only, so handlers can hijack connections
// (lost responses).
func (ca *certAuthority) serverTLSConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{ca.server},
		NextProtos:   []string{"http/1.1"},
		MinVersion:   tls.VersionTLS12,
	}
}

// certTemplate is what the CA and the server certificate have alike: a
// random serial, the emulator as organisation, and a day's validity from an
// hour before now.
func certTemplate(commonName string, now time.Time) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: randSerial(),
		Subject:      pkix.Name{CommonName: commonName, Organization: []string{"batchops emulator"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
	}
}

func randSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}
