package emulatortest

import (
	"context"
	"testing"
	"time"

	"github.com/batchops/terraform-provider-batchops/internal/emulator"
	"github.com/batchops/terraform-provider-batchops/internal/emulator/hpcpack"
	"github.com/batchops/terraform-provider-batchops/internal/hpcsoa"
	"github.com/batchops/terraform-provider-batchops/internal/transport"
)

var fastRetry = transport.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}

// clientConfig is a client of emu with the emulator's default credentials and the fast retry
// policy; cluster is the name in the URIs of servers before HPC Pack 2016 ("" for none).
func clientConfig(emu *emulator.Emulator, cluster string) hpcsoa.Config {
	return hpcsoa.Config{Endpoint: emu.HPCPackURL(), ClusterName: cluster, Username: hpcpack.DefaultUsername, Password: hpcpack.DefaultPassword,
		CACertificateFile: emu.CAFile(), Retry: fastRetry}
}

// start runs an emulator with cfg and a client of it (clientConfig, then configure when not
// nil), with a context that bounds the test.
func start(t *testing.T, cfg emulator.Config, configure func(*hpcsoa.Config)) (*emulator.Emulator, *hpcsoa.Client, context.Context) {
	t.Helper()
	emu, err := emulator.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	clientCfg := clientConfig(emu, cfg.HPCPack.ClusterName)
	if configure != nil {
		configure(&clientCfg)
	}
	c, err := hpcsoa.New(clientCfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return emu, c, ctx
}

// startFrozen is start with the emulator's clock stopped (work finishes only when a test
// advances it), the cluster name in URIs when not "" and the client asking for answers in
// format ("" for the default, XML).
func startFrozen(t *testing.T, cluster, format string) (*emulator.Emulator, *hpcsoa.Client, context.Context) {
	t.Helper()
	cfg := emulator.Config{Clock: emulator.NewFrozenClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)), HPCPack: hpcpack.Config{ClusterName: cluster}}
	return start(t, cfg, func(c *hpcsoa.Config) { c.ResponseFormat = format })
}

func echoStart() hpcsoa.SessionStartInfo {
	return hpcsoa.SessionStartInfo{ServiceName: "EchoService", MaxMessageSize: 65536, RuntimeSeconds: -1,
		Username: hpcpack.DefaultUsername, Password: hpcpack.DefaultPassword}
}

// echoRequests are n requests to the echo service, each with a fresh message id.
func echoRequests(n int) []hpcsoa.Request {
	requests := make([]hpcsoa.Request, n)
	for i := range requests {
		requests[i] = hpcsoa.Request{Action: "http://tempuri.org/IEchoSvc/Echo", Body: `<Echo xmlns="http://tempuri.org/"><input>x</input></Echo>`, MessageID: hpcsoa.NewMessageID()}
	}
	return requests
}
