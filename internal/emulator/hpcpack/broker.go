package hpcpack

import "net/http"

// brokerOps are the operations a broker node serves: the batch operations, and Get Clusters
// and Get Version, which the HPC Pack runtime's client asks any host it talks to (spec §1.9).
var brokerOps = map[opKind]bool{
	opClusters: true, opVersion: true,
	opSend: true, opCommit: true, opStatus: true, opResponse: true, opPurge: true,
}

// brokerNode is the BrokerNode a new session reports: Config.BrokerNode, else the host name
// the client called (the head node serves as its own broker).
func (s *Service) brokerNode(r *http.Request) string {
	if s.cfg.BrokerNode != "" {
		return s.cfg.BrokerNode
	}
	return hostName(r)
}

// BrokerNode returns Config.BrokerNode ("" when sessions report the head node).
func (s *Service) BrokerNode() string { return s.cfg.BrokerNode }

// Broker is the web service of the broker node (Config.BrokerNode): the same cluster's
// sessions and batches, the same users and checks, but only the batch operations (plus Get
// Clusters and Get Version); anything else is 404 with an UnknownError fault naming the head
// node. The head node keeps serving the batch operations too: the docs describe them on the
// head node, and a client that sends them there must keep working when a broker is reported.
type Broker struct{ s *Service }

// Broker returns the broker node's web service.
func (s *Service) Broker() *Broker { return &Broker{s: s} }

// Name is the service's name, ServiceName: requests to either node are recorded and given
// faults as the one service they are (the request's Host tells the nodes apart).
func (b *Broker) Name() string { return ServiceName }

// WriteFault writes the fault as the head node does.
func (b *Broker) WriteFault(w http.ResponseWriter, r *http.Request, status int) {
	b.s.WriteFault(w, r, status)
}

// ServeHTTP serves the batch operations.
func (b *Broker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := b.s.handle(w, r, true); err != nil {
		writeFault(w, r, err)
	}
}

// RedactBody redacts recorded bodies as the head node does.
func (b *Broker) RedactBody(r *http.Request, body []byte) []byte { return b.s.RedactBody(r, body) }
