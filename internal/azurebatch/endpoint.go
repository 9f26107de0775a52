package azurebatch

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

var hostLabel = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// NormalizeEndpoint returns the account endpoint as an absolute URL without a trailing slash.
// It takes the URL (https://myacct.westeurope.batch.azure.com) or, as
// azurerm_batch_account.account_endpoint and `az batch account show` give it, the host name
// alone with an optional port (https is then assumed).
func NormalizeEndpoint(endpoint string) (string, error) {
	shown := endpoint
	bad := func(reason string) error {
		return fmt.Errorf("endpoint %q is not an Azure Batch account endpoint (%s): give the account's URL, such as "+
			"https://myacct.westeurope.batch.azure.com, or its host name, such as myacct.westeurope.batch.azure.com", shown, reason)
	}
	s := strings.TrimSpace(endpoint)
	if s == "" {
		return "", bad("it is empty")
	}
	withScheme := strings.Contains(s, "://")
	if !withScheme {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return "", bad(err.Error())
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return "", bad(fmt.Sprintf("scheme %q: use https", u.Scheme))
	case u.User != nil:
		shown = u.Redacted() // never echo a password
		return "", bad("it contains user information")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", bad("it has a query or fragment")
	case u.Host == "":
		return "", bad("no host name")
	case !validHost(u.Hostname()):
		return "", bad(fmt.Sprintf("%q is not a host name or IP address", u.Hostname()))
	case !withScheme && strings.Trim(u.Path, "/") != "":
		// A bare host name has no path; "host/x" is more likely a typo than a proxy prefix.
		return "", bad("a host name has no path")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", bad(fmt.Sprintf("port %q is not between 1 and 65535", p))
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "", bad("empty port")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

func validHost(host string) bool {
	if net.ParseIP(host) != nil {
		return true
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > 253 {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if !hostLabel.MatchString(label) {
			return false
		}
	}
	return true
}
