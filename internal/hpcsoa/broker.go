package hpcsoa

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Values of Config.BatchEndpoint.
const (
	// BatchEndpointHeadNode sends batch operations to Config.Endpoint, as the docs describe.
	BatchEndpointHeadNode = "head_node"
	// BatchEndpointBrokerNode sends them to the BrokerNode of the session's WebSessionInfo, as
	// the HPC Pack runtime's own REST client does (spec §1.9).
	BatchEndpointBrokerNode = "broker_node"
)

// brokerRoutes knows where the batch operations of each session go when they go to its broker
// node. The broker's base URL is built from the BrokerNode value (see baseFor) and kept per
// session, so a session's Create or Attach answer (the session resource's own calls) spares
// the batch operations an Attach of their own.
type brokerRoutes struct {
	scheme string // the head node endpoint's scheme
	port   string // the head node endpoint's explicit port; "" = the scheme's default
	tail   string // /WindowsHPC[/cluster], escaped

	mu    sync.Mutex
	bases map[int]string // session id -> the broker's base URL
}

func newBrokerRoutes(head *url.URL, tail string) *brokerRoutes {
	return &brokerRoutes{scheme: head.Scheme, port: head.Port(), tail: tail, bases: map[int]string{}}
}

// baseFor turns a BrokerNode value into the base URL of the batch operations.
//
// The docs show BrokerNode as a bare host name (e.g. mycluster.cloudapp.net), and the runtime
// client puts it verbatim into https://{BrokerNode}/WindowsHPC/... (spec §1.9): so a host:port
// or a full URL is used as given, and a bare host gets the head node endpoint's scheme and
// port (the web service listens on the same port on every node of a cluster; the runtime's
// fixed https and 443 are the special case of an endpoint without a port). The cluster
// segment (cluster_name) is kept: the runtime asks the broker for the cluster name (Get
// Clusters) and gets the same cluster's name. The head node endpoint's path prefix is not
// kept: it belongs to whatever fronts the head node.
func (b *brokerRoutes) baseFor(node string) (string, error) {
	bad := func(why string) error {
		return fmt.Errorf("the session's broker node %s cannot be used (%s); set hpc_pack.batch_endpoint = %q to send batch operations to the head node",
			quote(node), why, BatchEndpointHeadNode)
	}
	n := strings.TrimSpace(node)
	switch {
	case n == "":
		return "", bad("the web service reported none")
	case strings.ContainsFunc(n, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "", bad("it contains white space or control characters")
	}
	if strings.Contains(n, "://") {
		u, err := url.Parse(n)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
			return "", bad("not a host name, host:port or https://host[:port]")
		}
		return u.Scheme + "://" + u.Host + b.tail, nil
	}
	host, port := n, b.port
	if h, p, err := net.SplitHostPort(n); err == nil {
		host, port = h, p
		if v, err := strconv.Atoi(p); err != nil || v < 1 || v > 65535 {
			return "", bad("its port is not a number from 1 to 65535")
		}
	} else if ip := net.ParseIP(strings.Trim(n, "[]")); ip != nil {
		host = ip.String() // a bare IPv6 address, perhaps bracketed
	}
	if host == "" || strings.ContainsAny(host, "/\\?#@[]") {
		return "", bad("not a host name, host:port or https://host[:port]")
	}
	if strings.Contains(host, ":") && net.ParseIP(host) == nil {
		return "", bad("not a host name, host:port or https://host[:port]")
	}
	hostport := host
	if port != "" {
		hostport = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	return b.scheme + "://" + hostport + b.tail, nil
}

// learn records the broker of a session from its WebSessionInfo. A value baseFor refuses is
// not recorded: the batch operations then report it.
func (b *brokerRoutes) learn(info *SessionInfo) {
	if b == nil || info == nil {
		return
	}
	base, err := b.baseFor(info.BrokerNode)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		delete(b.bases, info.ID)
		return
	}
	b.bases[info.ID] = base
}

func (b *brokerRoutes) forget(id int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.bases, id)
}

func (b *brokerRoutes) known(id int) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	base, ok := b.bases[id]
	return base, ok
}

// batchBase returns the base URL for the batch operations of a session: "" (the head node)
// with BatchEndpointHeadNode; with BatchEndpointBrokerNode the session's broker, from the
// WebSessionInfo this client last saw for it (Create or Attach), else from one Attach (two
// for a durable session, see AttachSessionAnyKind). A session that has ended gives the
// Attach fault, which IsSessionGone recognises, as the batch operation itself would.
func (c *Client) batchBase(ctx context.Context, op string, sessionID int) (string, error) {
	if c.brokers == nil {
		return "", nil
	}
	if base, ok := c.brokers.known(sessionID); ok {
		return base, nil
	}
	info, err := c.AttachSessionAnyKind(ctx, sessionID)
	if err != nil {
		return "", fmt.Errorf("%s: finding the broker node of session %d (hpc_pack.batch_endpoint = %s): %w", op, sessionID, BatchEndpointBrokerNode, err)
	}
	base, err := c.brokers.baseFor(info.BrokerNode)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	return base, nil
}

// brokerHint is added to failures of calls sent to a broker node.
func brokerHint(host string) string {
	return fmt.Sprintf("this batch operation went to the session's broker node %s (hpc_pack.batch_endpoint = %s): check that it is reachable with the head node's credentials and CA, or set batch_endpoint = %s",
		host, BatchEndpointBrokerNode, BatchEndpointHeadNode)
}

// AttachSessionAnyKind attaches to a session whose durability is not known: interactive
// first (the common kind, and the only one the Azure HPC Scheduler offers), then durable when
// the service answers InvalidAttachDurableSession or InvalidAttachInteractiveSession. One call
// for an interactive session, two for a durable one.
func (c *Client) AttachSessionAnyKind(ctx context.Context, id int) (*SessionInfo, error) {
	info, err := c.AttachSession(ctx, id, false)
	if HasCode(err, CodeInvalidAttachDurableSession) || HasCode(err, CodeInvalidAttachInteractiveSession) {
		return c.AttachSession(ctx, id, true)
	}
	return info, err
}
