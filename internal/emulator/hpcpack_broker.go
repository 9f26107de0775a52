package emulator

import (
	"fmt"
	"net"
	"strings"
)

// brokerHost is the host part of an HPC Pack BrokerNode value ("" for none).
func brokerHost(node string) string {
	if h, _, err := net.SplitHostPort(node); err == nil {
		return h
	}
	return strings.Trim(node, "[]")
}

// listen opens the listener of a service: a random port on Host. For HPC Pack with a broker
// node (hpcpack.Config.BrokerNode) it also opens the broker's listener, kept in hpcBrokerLn:
// on the BrokerNode's port when it carries one, else on the head node's port, so that a
// client keeping the head node's port for a bare broker host name reaches it, as on a real
// cluster where every node serves on the same port.
func (e *Emulator) listen(svc Service) (net.Listener, error) {
	node := e.cfg.HPCPack.BrokerNode
	if svc.Name() != ServiceHPCPack || node == "" {
		return net.Listen("tcp", net.JoinHostPort(e.host, "0"))
	}
	if h, p, err := net.SplitHostPort(node); err == nil {
		bl, err := net.Listen("tcp", net.JoinHostPort(h, p))
		if err != nil {
			return nil, fmt.Errorf("the broker node %s: %w", node, err)
		}
		hl, err := net.Listen("tcp", net.JoinHostPort(e.host, "0"))
		if err != nil {
			_ = bl.Close()
			return nil, err
		}
		e.hpcBrokerLn = bl
		return hl, nil
	}
	// The head node's random port may be taken on the broker's address: try a few.
	var lastErr error
	for range 20 {
		hl, err := net.Listen("tcp", net.JoinHostPort(e.host, "0"))
		if err != nil {
			return nil, err
		}
		_, port, _ := net.SplitHostPort(hl.Addr().String())
		bl, err := net.Listen("tcp", net.JoinHostPort(brokerHost(node), port))
		if err == nil {
			e.hpcBrokerLn = bl
			return hl, nil
		}
		_ = hl.Close()
		lastErr = err
	}
	return nil, fmt.Errorf("the broker node %s on the head node's port (on macOS, 127.0.0.2 and the like need `sudo ifconfig lo0 alias 127.0.0.2`): %w", node, lastErr)
}

// mountBroker serves the HPC Pack broker node on the listener listen opened, once the head
// node is mounted.
func (e *Emulator) mountBroker(svc Service) error {
	if svc.Name() != ServiceHPCPack || e.hpcBrokerLn == nil {
		return nil
	}
	e.hpcBroker = e.serve(e.hpc.Broker(), e.hpcBrokerLn, brokerHost(e.cfg.HPCPack.BrokerNode))
	return nil
}

// HPCPackBrokerURL returns the base URL of the HPC Pack broker node, e.g.
// "https://127.0.0.2:PORT" (the head node's port unless hpcpack.Config.BrokerNode carries
// one), or "" when no broker node is configured. Its requests are recorded under
// ServiceHPCPack, with Request.Host telling them apart from the head node's.
func (e *Emulator) HPCPackBrokerURL() string {
	if e.hpcBroker == nil {
		return ""
	}
	return e.hpcBroker.url
}
